import { createHash, randomBytes } from 'node:crypto';
import type { AuditEventInput } from '../src/audit/audit-event';
import { AuditWriter } from '../src/audit/audit-writer';
import { RedemptionLedger } from '../src/audit/redemption-ledger';
import { UsageQuery } from '../src/audit/usage-query';
import { createAccount, useDatabase } from './support';

const HOUR = new Date('2026-12-05T09:00:00.000Z');
const at = (minute: number) => new Date(HOUR.getTime() + minute * 60_000);

const row = (accountNumber: number, fields: Partial<AuditEventInput>): AuditEventInput => ({
  kind: 'redemption',
  drm: 'wv',
  environment: 'test',
  accountNumber,
  tokenId: randomBytes(16).toString('hex'),
  kid: null,
  cookie: 'usage',
  resultCode: 0,
  message: null,
  clientAddress: null,
  userAgent: null,
  requestType: 'new',
  ...fields,
});

/** The counters the roll-up must hold, computed from the raw rows (what the roll-up saves every query from doing). */
const FROM_RAW_ROWS = `
SELECT metric, count(*)::int AS n FROM (
  SELECT CASE WHEN result_code <> 0 THEN 'refusal:' || result_code WHEN kind = 'issuance' THEN 'tokens'
              WHEN request_type IS DISTINCT FROM 'release' THEN 'licenses' END AS metric
  FROM audit_events WHERE account_number = $1
  UNION ALL
  SELECT 'level:' || (device->>'securityLevel') FROM audit_events
  WHERE account_number = $1 AND result_code = 0 AND kind = 'redemption' AND device->>'securityLevel' IS NOT NULL
) m WHERE metric IS NOT NULL GROUP BY metric ORDER BY metric`;

describe('usage roll-up (real Postgres)', () => {
  const db = useDatabase();
  const account = (credits: bigint | null) => createAccount(db.prisma, credits, 'Usage');
  const rolledUp = async (accountNumber: number) => {
    const { rows } = await db.pool.query<{ metric: string; n: number }>(
      'SELECT metric, sum(count)::int AS n FROM usage_hourly WHERE account_number = $1 GROUP BY metric ORDER BY metric',
      [accountNumber],
    );
    return rows;
  };

  it('counts exactly what concurrent batches of two writers and two ledgers wrote, refusals by their code', async () => {
    const { number } = await account(30n);
    const writers = [new AuditWriter(db.pool), new AuditWriter(db.pool)];
    const ledgers = [new RedemptionLedger(db.pool), new RedemptionLedger(db.pool)];
    const levels = ['L1', 'L3', 'L3', 'L2'];
    const work = Array.from({ length: 200 }, (_, i) => {
      const minute = i % 60;
      switch (i % 4) {
        case 0:
          return writers[i % 8 === 0 ? 0 : 1].write(
            row(number, { kind: 'issuance', requestType: null, at: at(minute) }),
          );
        case 1:
          return writers[0].write(row(number, { resultCode: -4010, message: 'token expired', at: at(minute) }));
        default:
          // 100 deliveries against 30 credits: 70 become -2019 rows, decided by the ledger's function.
          return ledgers[i % 2].redeem(
            number,
            row(number, { device: { securityLevel: levels[i % 4], systemId: 4445 }, at: at(minute) }),
          );
      }
    });
    const verdicts = await Promise.all(work);
    expect(verdicts.filter((v) => v === 'granted')).toHaveLength(30);
    const expected = await db.pool.query(FROM_RAW_ROWS, [number]);
    expect(await rolledUp(number)).toEqual(expected.rows);
    const counts = Object.fromEntries((await rolledUp(number)).map((r) => [r.metric, r.n]));
    expect(counts).toMatchObject({ licenses: 30, 'refusal:-2019': 70, 'refusal:-4010': 50, tokens: 50 });
    expect((counts['level:L2'] ?? 0) + (counts['level:L3'] ?? 0)).toBe(30);
    const hours = await db.pool.query('SELECT DISTINCT hour FROM usage_hourly WHERE account_number = $1', [number]);
    expect(hours.rows).toEqual([{ hour: HOUR }]);
  });

  it('counts use-limited batches by their verdicts (-9002), retries as deliveries, releases not as licenses', async () => {
    const { number } = await account(null);
    const ledger = new RedemptionLedger(db.pool);
    const writer = new AuditWriter(db.pool);
    const tokenId = randomBytes(16).toString('hex');
    const use = (request: string) => ({
      limit: 1,
      requestHash: createHash('sha256').update(request).digest(),
      tokenExpiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    const verdicts = await Promise.all([
      ledger.redeem(number, row(number, { tokenId, at: at(1) }), use('a')),
      ledger.redeem(number, row(number, { tokenId, at: at(2) }), use('b')),
    ]);
    expect(verdicts.sort()).toEqual(['granted', 'used-up']);
    expect(
      await ledger.redeem(number, row(number, { tokenId, at: at(3) }), use(verdicts[0] === 'granted' ? 'a' : 'a')),
    ).toMatch(/granted|retry|used-up/);
    await writer.write(row(number, { requestType: 'release', at: at(4) }));
    const expected = await db.pool.query(FROM_RAW_ROWS, [number]);
    expect(await rolledUp(number)).toEqual(expected.rows);
    expect((await rolledUp(number)).find((r) => r.metric === 'refusal:-9002')?.n).toBeGreaterThanOrEqual(1);
  });

  it('answers one account, or all summed, by hour and DRM, from the roll-up', async () => {
    const [a, b] = [await account(null), await account(null)];
    const writer = new AuditWriter(db.pool);
    const day = new Date('2026-11-01T00:00:00.000Z');
    const when = (hours: number) => new Date(day.getTime() + hours * 3_600_000 + 60_000);
    await Promise.all([
      writer.write(row(a.number, { kind: 'issuance', drm: 'fp', at: when(0) })),
      writer.write(row(a.number, { drm: 'fp', at: when(0) })),
      writer.write(row(b.number, { drm: 'fp', at: when(0) })),
      writer.write(row(b.number, { drm: 'ck', at: when(5) })),
      writer.write(row(a.number, { drm: 'wv', at: when(30) })),
    ]);
    const usage = new UsageQuery(db.prisma);
    const range = { from: day, to: new Date(day.getTime() + 24 * 3_600_000) };
    const sort = (rows: { hour: Date; drm: string; metric: string }[]) =>
      rows.sort(
        (x, y) => x.hour.getTime() - y.hour.getTime() || x.drm.localeCompare(y.drm) || x.metric.localeCompare(y.metric),
      );
    expect(sort(await usage.counters({ ...range, accountNumber: a.number }))).toEqual([
      { hour: day, drm: 'fp', metric: 'licenses', count: 1 },
      { hour: day, drm: 'fp', metric: 'tokens', count: 1 },
    ]);
    const all = sort(await usage.counters(range)).filter((c) => c.hour < range.to);
    expect(all).toEqual(
      expect.arrayContaining([
        { hour: day, drm: 'fp', metric: 'licenses', count: 2 },
        { hour: new Date(day.getTime() + 5 * 3_600_000), drm: 'ck', metric: 'licenses', count: 1 },
      ]),
    );
    expect(await usage.counters({ ...range, drm: 'ck', accountNumber: a.number })).toEqual([]);
  });

  it('sums every account from the index alone once vacuum has run (migration usage_hourly_covering_index)', async () => {
    const { number } = await account(null);
    const writer = new AuditWriter(db.pool);
    await Promise.all([0, 1, 2].map((minute) => writer.write(row(number, { at: at(minute) }))));
    await db.pool.query('VACUUM (ANALYZE) usage_hourly');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      // A test's few counters would be read by a sequential scan; the plan a large table gets is the one asked for.
      await client.query('SET LOCAL enable_seqscan = off');
      await client.query('SET LOCAL enable_bitmapscan = off');
      const { rows } = await client.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT hour, drm, metric, sum(count) FROM usage_hourly
         WHERE hour >= $1 AND hour < $2 GROUP BY 1, 2, 3`,
        [HOUR, new Date(HOUR.getTime() + 3_600_000)],
      );
      await client.query('ROLLBACK');
      const scans: Array<Record<string, unknown>> = [];
      const walk = (node: Record<string, any>) => {
        if (/Scan/.test(node['Node Type'])) scans.push(node);
        for (const child of node.Plans ?? []) walk(child);
      };
      walk(rows[0]['QUERY PLAN'][0].Plan);
      expect(scans).toEqual([
        expect.objectContaining({
          'Node Type': 'Index Only Scan',
          'Index Name': 'usage_hourly_hour_drm_metric_count_idx',
          'Heap Fetches': 0,
        }),
      ]);
    } finally {
      client.release();
    }
    const { rows: options } = await db.pool.query("SELECT reloptions FROM pg_class WHERE relname = 'usage_hourly'");
    expect(options[0].reloptions).toEqual(
      expect.arrayContaining(['autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=20000']),
    );
  });
});
