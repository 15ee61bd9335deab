export * from './types';
export { WidevineRefusal, LicenseErrorCode, errorResponse, type WidevineRefusalCode } from './errors';
export { createSoftwareWidevineLicenser, SoftwareWidevineLicenser } from './licenser';
export { classifyWidevineRequest, type WidevineRequestKind } from './request-kind';
export { loadWidevineConfig, parseDevicesJson, type WidevineFileConfig } from './config';
export {
  GOOGLE_WIDEVINE_ROOT_CERTIFICATE,
  CertificateType,
  parseTrustedRoot,
  type TrustedRoot,
} from './certificates';
export { parseDeviceStatusList, levelAllows, type DeviceStatusList } from './devices';
export { keyControlBlock, KeyControlBit, type KeyControlOptions } from './key-control';
export { LICENSE_PROTOCOL_PROTO } from './proto';
