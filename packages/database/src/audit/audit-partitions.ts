import type { Pool } from 'pg';

/** Days created ahead of today: a week of writes survives a maintenance that stops running. */
export const AUDIT_PARTITION_DAYS_AHEAD = 7;

const DAY_MS = 86_400_000;

/**
 * Keeps audit_events' daily partitions (docs/decisions/0020-audit-partitions.md): creates today and the days ahead,
 * and drops whole days past the retention. Both are SQL functions of the migration `audit_partitions` that take the
 * same advisory lock, so only one server acts at a time; another one calling meanwhile waits and finds it done.
 */
export class AuditPartitions {
  constructor(private readonly pool: Pool) {}

  /** Creates the missing partitions from today (UTC) to `daysAhead` days ahead; resolves with how many. */
  async ensure(now = new Date(), daysAhead = AUDIT_PARTITION_DAYS_AHEAD): Promise<number> {
    const { rows } = await this.pool.query<{ created: number }>(
      'SELECT openplay_audit_ensure_partitions($1::date, $2::date) AS created',
      [utcDay(now), utcDay(new Date(now.getTime() + daysAhead * DAY_MS))],
    );
    return rows[0].created;
  }

  /** Drops the days that ended more than `retentionDays` days before today (UTC); resolves with how many. */
  async dropExpired(retentionDays: number, now = new Date()): Promise<number> {
    if (!Number.isSafeInteger(retentionDays) || retentionDays < 1) throw new RangeError('retention is at least 1 day');
    const { rows } = await this.pool.query<{ dropped: number }>(
      'SELECT openplay_audit_drop_partitions($1::date) AS dropped',
      [utcDay(new Date(now.getTime() - retentionDays * DAY_MS))],
    );
    return rows[0].dropped;
  }
}

/** YYYY-MM-DD of the UTC day a time falls in. */
function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}
