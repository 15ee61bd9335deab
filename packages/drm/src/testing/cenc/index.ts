/**
 * A CENC packager for tests and demos: encrypted DASH clips that a browser plays with a Clear Key license.
 * Not a production packager: one key, the 'cenc' scheme, H.264 and AAC-LC from ffmpeg only.
 */
export {
  makeClearKeyClip,
  CLIP_INFO_FILE,
  defaultFfmpegPath,
  type ClearKeyClip,
  type ClearKeyClipOptions,
} from './clip';
export { dashManifest, kidUuid, CLEAR_KEY_DASH_SCHEME, type DashTrack } from './manifest';
export {
  protectInit,
  protectFragment,
  splitFragmentedMp4,
  encryptAvcSample,
  commonPssh,
  COMMON_SYSTEM_ID,
  type ProtectedInit,
  type ProtectedFragment,
  type FragmentedMp4,
  type TrackKind,
} from './protect';
export { parseBoxes, serializeBoxes, type Box, type LeafBox, type ContainerBox } from './boxes';
