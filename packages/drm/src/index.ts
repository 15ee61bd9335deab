export * from './fairplay';
export * from './widevine';
