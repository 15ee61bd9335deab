/**
 * Test support for the DRM protocols, for this package's specs and its dependants' tests, benches and dev tools:
 * a Widevine test PKI (roots, models, devices, service certificates, DCSLs), a driver of the independent `widevine`
 * npm client (a devDependency), an SPC encoder that plays a FairPlay client, and a CENC packager making encrypted
 * DASH clips for Clear Key playback in a browser (ffmpeg for the clear media). Never used by production code.
 */
export * from './widevine/test-pki';
export * from './widevine/client';
export { encodeSpc, type SpcDraft } from './fairplay/spc-encoder';
export { FAIRPLAY_FIXTURES_DIR, WIDEVINE_TEST_KEYS_FILE } from './fixtures';
export * from './cenc';
