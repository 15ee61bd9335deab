export { PrismaClient, Prisma } from './generated/client';
export { AccountStatus, AuditKind, Drm, Environment } from './generated/enums';
export * from './client';
export * from './accounts/account';
export * from './accounts/account-repository';
export * from './audit/audit-event';
export * from './audit/audit-writer';
export * from './audit/group-commit';
export * from './audit/redemption-ledger';
