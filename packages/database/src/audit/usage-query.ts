import type { Drm } from '../generated/enums';
import type { PrismaClient } from '../generated/client';

/** One counter of the hourly roll-up (summed over accounts when no account is asked for). */
export interface UsageCounterRow {
  readonly hour: Date;
  readonly drm: Drm;
  readonly metric: string;
  readonly count: number;
}

export interface UsageFilter {
  /** The hours starting at or after `from` (taken down to its hour) and before `to`. */
  readonly from: Date;
  readonly to: Date;
  /** Absent: every account, summed. */
  readonly accountNumber?: number;
  readonly drm?: Drm;
}

const HOUR_MS = 3_600_000;

/**
 * Reads the hourly usage roll-up (table usage_hourly, kept by the audit writers; docs/decisions/0019-usage-roll-ups.md).
 * One account's range is a range of its primary key; all accounts are summed by the database over the hour index.
 * The raw audit log is never scanned.
 */
export class UsageQuery {
  constructor(private readonly prisma: PrismaClient) {}

  async counters(filter: UsageFilter): Promise<UsageCounterRow[]> {
    const hour = {
      gte: new Date(Math.floor(filter.from.getTime() / HOUR_MS) * HOUR_MS),
      lt: filter.to,
    };
    const where = {
      hour,
      ...(filter.accountNumber !== undefined ? { accountNumber: filter.accountNumber } : {}),
      ...(filter.drm !== undefined ? { drm: filter.drm } : {}),
    };
    if (filter.accountNumber !== undefined) {
      const rows = await this.prisma.usageHourly.findMany({
        where,
        select: { hour: true, drm: true, metric: true, count: true },
      });
      return rows.map((row) => ({ ...row, count: Number(row.count) }));
    }
    const sums = await this.prisma.usageHourly.groupBy({
      by: ['hour', 'drm', 'metric'],
      where,
      _sum: { count: true },
    });
    return sums.map((row) => ({
      hour: row.hour,
      drm: row.drm,
      metric: row.metric,
      count: Number(row._sum.count ?? 0),
    }));
  }
}
