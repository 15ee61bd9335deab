export * from './keystore-error';
export * from './keystore-request';
export * from './key-object';
