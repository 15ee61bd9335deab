export { PrismaClient, Prisma } from './generated/client';
/** The pool class (nest-kit's DatabaseModule provides it under this token), for apps that do not depend on pg. */
export { Pool } from 'pg';
export { AccountStatus, AuditKind, Drm, Environment, StreamLimitMode } from './generated/enums';
export * from './client';
export * from './database-unavailable';
export * from './accounts/account';
export * from './accounts/account-repository';
export * from './accounts/account-changes';
export * from './audit/audit-event';
export * from './audit/audit-query';
export * from './audit/audit-writer';
export * from './audit/audit-partitions';
export * from './audit/group-commit';
export * from './audit/redemption-ledger';
export * from './audit/usage-query';
export * from './keys/stored-key-repository';
