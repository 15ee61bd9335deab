import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { AuditPartitions } from '../src/audit/audit-partitions';
import { AuditQuery } from '../src/audit/audit-query';
import { AuditWriter } from '../src/audit/audit-writer';
import type { AuditEventInput } from '../src/audit/audit-event';
import { useDatabase } from './support';

const MIGRATIONS = path.join(__dirname, '../../../prisma/migrations');
const DAY_MS = 86_400_000;

const row = (at: Date, cookie = 'part'): AuditEventInput => ({
  at,
  kind: 'issuance',
  drm: 'wv',
  environment: 'test',
  accountNumber: 424242,
  tokenId: randomBytes(16).toString('hex'),
  kid: null,
  cookie,
  resultCode: 0,
  message: null,
  clientAddress: null,
  userAgent: null,
});

const partitionsOf = async (query: (sql: string) => Promise<{ rows: { name: string }[] }>) =>
  (
    await query(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_events'::regclass ORDER BY 1",
    )
  ).rows.map((r) => r.name);

const dayName = (time: Date) => `audit_events_${time.toISOString().slice(0, 10).replace(/-/g, '')}`;

/**
 * The conversion test's own timeout. It creates a database, runs every migration into it one at a time and drops it,
 * and PostgreSQL's DROP DATABASE waits for an immediate checkpoint of the whole server's dirty buffers, whatever else
 * runs on it. That took 4.8 s with the machine's load average at 3 (2 cores), and went past jest's 30 s at 50 and over,
 * where each process gets a twenty-fifth of a core: 25 × 4.8 s is 120 s, and 180 s leaves room for the checkpoint.
 */
const CONVERSION_TIMEOUT_MS = 180_000;

describe('audit_events partitions (real Postgres)', () => {
  const db = useDatabase();

  it(
    'the migration converts an existing table: rows, ids and the id sequence kept, one partition per day',
    async () => {
      const name = `audit_conv_${randomBytes(4).toString('hex')}`;
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(db.url);
      url.pathname = `/${name}`;
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const dirs = readdirSync(MIGRATIONS, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => d.name)
          .sort();
        const partitioning = dirs.findIndex((d) => d.endsWith('_audit_partitions'));
        for (const dir of dirs.slice(0, partitioning))
          await client.query(readFileSync(path.join(MIGRATIONS, dir, 'migration.sql'), 'utf8'));
        // Three days of rows, and one from 2001 (older than the 400 days given partitions: the default one keeps it).
        await client.query(`
        INSERT INTO audit_events (at, kind, environment, account_number, cookie, result_code)
        SELECT now() - (g % 3) * interval '1 day', 'issuance', 'test', 7, 'c' || g, 0 FROM generate_series(1, 300) g`);
        await client.query(
          "INSERT INTO audit_events (at, kind, environment, result_code) VALUES ('2001-01-01T00:00:00Z', 'redemption', 'test', -4010)",
        );
        const before = await client.query('SELECT id, at, cookie FROM audit_events ORDER BY id');
        await client.query(readFileSync(path.join(MIGRATIONS, dirs[partitioning], 'migration.sql'), 'utf8'));
        for (const dir of dirs.slice(partitioning + 1))
          await client.query(readFileSync(path.join(MIGRATIONS, dir, 'migration.sql'), 'utf8'));

        expect((await client.query('SELECT id, at, cookie FROM audit_events ORDER BY id')).rows).toEqual(before.rows);
        const partitions = await partitionsOf((sql) => client.query(sql));
        const today = Date.now();
        for (let day = -2; day <= 7; day++) expect(partitions).toContain(dayName(new Date(today + day * DAY_MS)));
        expect(partitions).toContain('audit_events_default');
        expect((await client.query('SELECT count(*)::int AS n FROM audit_events_default')).rows).toEqual([{ n: 1 }]);
        const next = await client.query(
          "INSERT INTO audit_events (kind, environment, result_code) VALUES ('issuance', 'test', 0) RETURNING id",
        );
        expect(BigInt(next.rows[0].id)).toBe(BigInt(before.rows[before.rows.length - 1].id) + 1n);
        const { rows: plan } = await client.query(
          `EXPLAIN SELECT * FROM audit_events WHERE account_number = 7 AND at >= '${new Date(today - 3_600_000).toISOString()}' AND at < '${new Date(today).toISOString()}' ORDER BY at DESC LIMIT 10`,
        );
        // A range is pruned to its day's partition (and the default one) when planned, not every day.
        const scanned = new Set(
          plan
            .map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN'])
            .join('\n')
            .match(/audit_events_2\d{7}\b/g),
        );
        expect(scanned.size).toBeGreaterThanOrEqual(1);
        expect(scanned.size).toBeLessThanOrEqual(2); // an hour may straddle midnight (UTC)
      } finally {
        await client.end();
        await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
    CONVERSION_TIMEOUT_MS,
  );

  it('creates days ahead (two servers at once), moves a day out of the default partition, drops expired days', async () => {
    const partitions = new AuditPartitions(db.pool);
    const now = new Date();
    const farAhead = new Date(now.getTime() + 20 * DAY_MS);
    const writer = new AuditWriter(db.pool);
    // A row of a day no partition covers yet lands in the default partition...
    await writer.write(row(farAhead, 'ahead'));
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_events_default')).rows).toEqual([{ n: 1 }]);
    // ...and moves into its day when that day is created; two servers creating at once both succeed.
    const created = await Promise.all([partitions.ensure(now, 25), partitions.ensure(now, 25)]);
    expect(created[0] + created[1]).toBeGreaterThanOrEqual(1);
    expect(await partitions.ensure(now, 25)).toBe(0);
    expect(await partitionsOf((sql) => db.pool.query(sql))).toContain(dayName(farAhead));
    expect((await db.pool.query('SELECT count(*)::int AS n FROM audit_events_default')).rows).toEqual([{ n: 0 }]);
    const found = await new AuditQuery(db.prisma).byCookie(424242, 'ahead');
    expect(found.map((r) => r.at)).toEqual([farAhead]);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM ${dayName(farAhead)}`)).rows).toEqual([{ n: 1 }]);

    // Retention: three days ago and older go, whole tables; the default partition's old rows too.
    const old = new Date(now.getTime() - 5 * DAY_MS);
    await partitions.ensure(old, 6);
    await writer.write(row(old, 'old'));
    await writer.write(row(new Date('2001-02-03T00:00:00Z'), 'ancient'));
    await writer.write(row(now, 'fresh'));
    expect(await partitions.dropExpired(3, now)).toBeGreaterThanOrEqual(2);
    const names = await partitionsOf((sql) => db.pool.query(sql));
    expect(names).not.toContain(dayName(old));
    expect(names).toContain(dayName(new Date(now.getTime() - 3 * DAY_MS)));
    const left = await db.pool.query<{ cookie: string }>(
      "SELECT cookie FROM audit_events WHERE cookie IN ('old', 'ancient', 'fresh')",
    );
    expect(left.rows).toEqual([{ cookie: 'fresh' }]);
  });
});
