export * from './errors';
export * from './request/types';
export * from './token/claims';
