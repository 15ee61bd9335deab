export * from './database/database.module';
export * from './errors';
export * from './health/health.controller';
export * from './http/fastify-app';
export * from './http/raw-params';
export * from './metrics/metrics';
export * from './cache/ttl-cache';
export * from './config/dev-defaults';
