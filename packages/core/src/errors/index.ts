export * from './api-error';
export * from './catalog';
export * from './expressplay-error';
