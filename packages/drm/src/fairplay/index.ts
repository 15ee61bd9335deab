/** Tags, key types, HDCP values and other protocol constants, namespaced so they cannot clash with Widevine's. */
export * as FairPlayConstants from './constants';
export type { HdcpRequirement, PlaybackState, AppleDeviceType } from './constants';
export { parseTllvs, encodeTllv, type Tllv } from './tllv';
export {
  parseSpcContainer,
  parseSpcPayload,
  unwrapSpcKey,
  decryptSpcPayload,
  openSessionKeyR1,
  type SpcVersion,
  type SpcContainer,
  type SpcPayload,
  type SessionKeyR1,
  type MediaPlaybackState as SpcMediaPlaybackState,
  type OfflineSync as SpcOfflineSync,
  type DeviceInfo as SpcDeviceInfo,
  type DeviceIdentity as SpcDeviceIdentity,
} from './spc';
export { deriveAntiReplayKey, encodeCkc, openCkc, type OpenedCkc } from './ckc';
export {
  AskDaskProvider,
  FixedDaskProvider,
  dFunctionHash,
  deriveDaskFromAsk,
  type DaskProvider,
  type DaskContext,
} from './dask';
export {
  prepareFairPlayCredentials,
  type FairPlayCredentialSet,
  type PreparedFairPlayCredentials,
} from './credentials';
export { loadFairPlayCredentials } from './credentials-loader';
export { keyRulesFromPolicy, type FairPlayKeyRules } from './key-rules';
export {
  createSoftwareFairPlayKsm,
  appleDevelopmentDask,
  type FairPlayKsm,
  type SoftwareFairPlayKsm,
  type SoftwareFairPlayKsmOptions,
  type FairPlayGrant,
  type FairPlayAssetKey,
  type CkcResult,
  type CkcFacts,
  type OpenedSpc,
  type RandomSource as FairPlayRandomSource,
} from './ksm';
