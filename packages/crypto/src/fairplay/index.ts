export * from './constants';
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
  type MediaPlaybackState,
  type OfflineSync,
  type DeviceInfo,
  type DeviceIdentity,
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
  type CkcResult,
  type CkcFacts,
  type OpenedSpc,
  type RandomSource,
} from './ksm';
export { encodeSpc, type SpcDraft } from './spc-encoder';
