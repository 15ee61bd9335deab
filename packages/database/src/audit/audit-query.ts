import type { Prisma, PrismaClient } from '../generated/client';
import type { AuditEventInput } from './audit-event';

/** One stored audit row as read back (record retrieval, the admin's logs): what was written, plus id and time. */
export type AuditRecord = Omit<AuditEventInput, 'at' | 'requestType' | 'device'> & {
  readonly id: bigint;
  readonly at: Date;
  readonly requestType: string | null;
  readonly device: unknown;
};

/** Filters of the operators' search; at least one is required, all given ones must match. */
export interface AuditSearch {
  readonly cookie?: string;
  readonly tokenId?: string;
  readonly accountNumber?: number;
}

/** Rows at or after `from` and before `to`; either end may be open. */
export interface AuditTimeRange {
  readonly from?: Date;
  readonly to?: Date;
}

/** The largest number of rows any one query returns. */
export const AUDIT_QUERY_MAX_ROWS = 1000;

/**
 * Reads the audit log back, newest first (time, then id: rows of one group commit share their time).
 * Every query of an account is bounded and served by an index: (account_number, at) for the latest rows
 * and pages, (cookie) and (token_id) for those lookups, the primary key for one id.
 */
export class AuditQuery {
  constructor(private readonly prisma: PrismaClient) {}

  /** The account's rows from index `start` (0 = newest), `length` of them, within the time range. */
  latest(
    accountNumber: number,
    page: { readonly start: number; readonly length: number },
    range: AuditTimeRange = {},
  ): Promise<AuditRecord[]> {
    return this.prisma.auditEvent.findMany({
      where: { accountNumber, ...within(range) },
      orderBy: NEWEST_FIRST,
      skip: page.start,
      take: bounded(page.length),
    });
  }

  /** The account's newest rows carrying this cookie, within the time range. */
  byCookie(
    accountNumber: number,
    cookie: string,
    limit = AUDIT_QUERY_MAX_ROWS,
    range: AuditTimeRange = {},
  ): Promise<AuditRecord[]> {
    return this.prisma.auditEvent.findMany({
      where: { accountNumber, cookie, ...within(range) },
      orderBy: NEWEST_FIRST,
      take: bounded(limit),
    });
  }

  /** One row of the account; null when there is none with this id or it belongs to another account. */
  byId(accountNumber: number, id: bigint): Promise<AuditRecord | null> {
    return this.prisma.auditEvent.findFirst({ where: { id, accountNumber } });
  }

  /** Operators' search across accounts (admin CLI and API). */
  search(filter: AuditSearch, limit = 100): Promise<AuditRecord[]> {
    if (filter.cookie === undefined && filter.tokenId === undefined && filter.accountNumber === undefined) {
      throw new Error('an audit search needs a cookie, a token id or an account number');
    }
    return this.prisma.auditEvent.findMany({
      where: {
        ...(filter.cookie !== undefined ? { cookie: filter.cookie } : {}),
        ...(filter.tokenId !== undefined ? { tokenId: filter.tokenId } : {}),
        ...(filter.accountNumber !== undefined ? { accountNumber: filter.accountNumber } : {}),
      },
      orderBy: NEWEST_FIRST,
      take: bounded(limit),
    });
  }
}

const NEWEST_FIRST: Prisma.AuditEventOrderByWithRelationInput[] = [{ at: 'desc' }, { id: 'desc' }];

function within(range: AuditTimeRange): { at?: { gte?: Date; lt?: Date } } {
  if (!range.from && !range.to) return {};
  return { at: { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lt: range.to } : {}) } };
}

function bounded(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`an audit query returns 1 to ${AUDIT_QUERY_MAX_ROWS} rows`);
  return Math.min(limit, AUDIT_QUERY_MAX_ROWS);
}
