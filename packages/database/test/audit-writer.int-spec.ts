import { AuditWriter } from '../src/audit/audit-writer';
import type { AuditEventInput } from '../src/audit/audit-event';
import { useDatabase } from './support';

const event = (i: number): AuditEventInput => ({
  kind: 'issuance',
  drm: i % 2 ? 'wv' : 'fp',
  environment: 'test',
  accountNumber: 123456,
  tokenId: `token-${i}`,
  kid: null,
  cookie: `cookie-${i % 7}`,
  resultCode: i % 3 ? 0 : -2002,
  message: null,
  clientAddress: '127.0.0.1',
  userAgent: 'jest',
  device: i % 5 ? null : { systemId: 4445 },
});

describe('AuditWriter (real Postgres)', () => {
  const db = useDatabase();

  it('commits every row of concurrent writes, in few batches, before resolving', async () => {
    const writer = new AuditWriter(db.pool);
    const inserts: number[] = [];
    const query = db.pool.query.bind(db.pool);
    const spy = jest.spyOn(db.pool, 'query').mockImplementation(((text: string, values: [string]) => {
      inserts.push((JSON.parse(values[0]) as unknown[]).length); // a batch is one JSON array of rows
      return query(text, values);
    }) as never);
    await Promise.all(Array.from({ length: 500 }, (_, i) => writer.write(event(i))));
    spy.mockRestore();
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT token_id)::int AS d FROM audit_events',
    );
    expect(rows[0]).toEqual({ n: 500, d: 500 });
    expect(inserts.reduce((a, b) => a + b, 0)).toBe(500);
    expect(inserts.length).toBeLessThan(50);
    const stored = await db.pool.query("SELECT device, result_code FROM audit_events WHERE token_id = 'token-0'");
    expect(stored.rows[0]).toEqual({ device: { systemId: 4445 }, result_code: -2002 });
  });

  it('stores what clients sent even with characters PostgreSQL refuses (NUL, lone surrogates), without failing the batch', async () => {
    // A device's client_info, a user agent or a refusal's message come from clients. One NUL or lone surrogate made
    // PostgreSQL refuse the whole group commit, failing every request that shared it; they are stored as U+FFFD, in the
    // keys of a device's facts (client_info names) too.
    const writer = new AuditWriter(db.pool);
    const hostile = {
      ...event(20_001),
      message: 'bad\u0000value \ud800',
      userAgent: 'agent\u0000',
      device: {
        company: 'evil\u0000co\udc80',
        model: 'ok \u{1f600}',
        nested: { name: '\udbff!' },
        'key\u0000': ['\ud800'],
      },
    };
    await Promise.all([writer.write(hostile), writer.write(event(20_002))]);
    const { rows } = await db.pool.query(
      "SELECT token_id, message, user_agent, device FROM audit_events WHERE token_id IN ('token-20001', 'token-20002') ORDER BY token_id",
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      token_id: 'token-20001',
      message: 'bad\ufffdvalue \ufffd',
      user_agent: 'agent\ufffd',
      device: {
        company: 'evil\ufffdco\ufffd',
        model: 'ok \u{1f600}',
        nested: { name: '\ufffd!' },
        'key\ufffd': ['\ufffd'],
      },
    });
  });

  it('rejects every waiter of a batch that fails, and keeps working afterwards', async () => {
    const writer = new AuditWriter(db.pool);
    const bad = { ...event(1), environment: 'staging' as never };
    await expect(writer.write(bad)).rejects.toThrow();
    await writer.write(event(10_001));
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM audit_events WHERE token_id = 'token-10001'");
    expect(rows[0].n).toBe(1);
  });
});
