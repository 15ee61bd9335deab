export * from './errors';
export * from './request';
export * from './token/claims';
export * from './auth/authenticator-secret';
export * from './keys';
export * from './expiry';
export * from './token';
export * from './auth/account-rules';
