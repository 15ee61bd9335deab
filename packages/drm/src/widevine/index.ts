export * from './types';
export { WidevineRefusal, LicenseErrorCode, errorResponse, type WidevineRefusalCode } from './errors';
export { createSoftwareWidevineLicenser, isCountedStreamSession, SoftwareWidevineLicenser } from './licenser';
export {
  loadWidevineConfig,
  parseDevicesJson,
  WidevineSettingError,
  type WidevineFileConfig,
  type WidevineSettingName,
  type WidevineSettings,
} from './config';
export { classifyWidevineRequest, type WidevineRequestKind } from './request-kind';
export { GOOGLE_WIDEVINE_ROOT_CERTIFICATE, CertificateType, parseTrustedRoot, type TrustedRoot } from './certificates';
export { parseDeviceStatusList, levelAllows, type DeviceStatusList } from './devices';
export { keyControlBlock, KeyControlBit, type KeyControlOptions } from './key-control';
export { readUsageReport, type WidevineUsageReport } from './usage-report';
