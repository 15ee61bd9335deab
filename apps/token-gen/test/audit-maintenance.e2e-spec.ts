import { AuditPartitions } from '@openplay/database';
import { AuditMaintenance } from '../src/audit/audit-maintenance';
import { validateTokenGenConfig } from '../src/config/token-gen.config';
import { useTokenGen } from './support/token-gen-harness';

const DAY_MS = 86_400_000;
const dayName = (time: Date) => `audit_events_${time.toISOString().slice(0, 10).replace(/-/g, '')}`;

describe('token-gen looks after the audit partitions (real app, real Postgres)', () => {
  const tg = useTokenGen({ AUDIT_RETENTION_DAYS: '30' });
  const partitions = async () =>
    (
      await tg.pool.query<{ name: string }>(
        "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass",
      )
    ).rows.map((r) => r.name);

  it('has today and the week ahead once started, and drops the days past AUDIT_RETENTION_DAYS hourly', async () => {
    const now = Date.now();
    const names = await partitions();
    for (let day = 0; day <= 7; day++) expect(names).toContain(dayName(new Date(now + day * DAY_MS)));
    // Days from 40 to 35 days ago (as if written then), with a row; the next round drops them, keeps the last 30.
    const old = new Date(now - 40 * DAY_MS);
    await new AuditPartitions(tg.pool).ensure(old, 5);
    await tg.pool.query(
      "INSERT INTO audit_events (at, kind, environment, result_code) VALUES ($1, 'issuance', 'test', 0)",
      [old],
    );
    const kept = new Date(now - 29 * DAY_MS);
    await new AuditPartitions(tg.pool).ensure(kept, 0);
    await tg.app.get(AuditMaintenance).run();
    const after = await partitions();
    expect(after).not.toContain(dayName(old));
    expect(after).toContain(dayName(kept));
    expect((await tg.pool.query('SELECT count(*)::int AS n FROM audit_events WHERE at = $1', [old])).rows).toEqual([
      { n: 0 },
    ]);
  });

  it('refuses a retention that is not a whole number of days', () => {
    const env = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/postgres' };
    for (const days of ['-1', '1.5', 'forever'])
      expect(() => validateTokenGenConfig({ ...env, AUDIT_RETENTION_DAYS: days })).toThrow(/AUDIT_RETENTION_DAYS/);
    expect(validateTokenGenConfig(env).AUDIT_RETENTION_DAYS).toBe(0);
    expect(validateTokenGenConfig({ ...env, AUDIT_RETENTION_DAYS: '365' }).AUDIT_RETENTION_DAYS).toBe(365);
  });
});
