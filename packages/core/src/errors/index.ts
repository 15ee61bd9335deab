export * from './catalog';
export * from './expressplay-error';
