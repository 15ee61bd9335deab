export * from './fairplay';
export * from './widevine';
export * from './clearkey';
