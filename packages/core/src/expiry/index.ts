export * from './expiration-time';
