import { randomBytes, randomInt } from 'node:crypto';
import type { PoolClient } from 'pg';
import { auditRowsJson } from '../src/audit/audit-writer';
import { createAccount, redemptionRow, useDatabase } from './support';

// The functions of migration `ledger_batches_counted` against the ones they replace (which servers of older versions
// still call): the same batches, each run through both in turn on the same state, must give the same verdicts and
// leave the same audit rows, usage counters, credits, token counts and request hashes.
const OLD_PLAIN = `SELECT openplay_usage_add_granted($1::json, openplay_redeem_batch_json($1::json, 'no credit')) AS v`;
const NEW_PLAIN = `SELECT openplay_redeem_batch_counted($1::json, $2::int[], 'no credit') AS v`;
const WINDOWS = `make_interval(secs => 120), make_interval(secs => 600)`;
const OLD_LIMITED =
  `SELECT openplay_usage_add_verdicts($1::json, ` +
  `openplay_redeem_batch_limited($1::json, 'no credit', 'used up', 'retry', ${WINDOWS})) AS v`;
const NEW_LIMITED = `SELECT openplay_redeem_batch_limited_counted($1::json, $2::int[], 'no credit', 'used up', 'retry', ${WINDOWS}) AS v`;

/**
 * What a batch leaves behind, in a comparable form (audit rows of this transaction only, in id order). Times are
 * stored in milliseconds: "now" says a row's time is the transaction's.
 */
async function state(client: PoolClient, auditFrom: string) {
  const q = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows;
  return {
    audit: await q(
      `SELECT abs(extract(epoch FROM at - now())) < 0.001 AS now, kind, drm, environment, account_number, token_id, kid, cookie, result_code, message,
              client_address, user_agent, request_type, device
       FROM audit_events WHERE id > $1 ORDER BY id`,
      [auditFrom],
    ),
    usage: await q('SELECT account_number, hour, drm, metric, count FROM usage_hourly ORDER BY 1, 2, 3, 4'),
    credits: await q('SELECT number, credits FROM accounts ORDER BY number'),
    uses: await q('SELECT token_id, uses, expires_at FROM token_uses ORDER BY token_id'),
    requests: await q(
      'SELECT token_id, request_hash, abs(extract(epoch FROM at - now())) < 0.001 AS now FROM token_use_requests ORDER BY 1, 2',
    ),
  };
}

describe('ledger_batches_counted: the same verdicts and rows as the functions it replaces (real Postgres)', () => {
  const db = useDatabase();

  async function compare(client: PoolClient, oldSql: string, newSql: string, json: string, accounts: number[]) {
    const { rows } = await client.query<{ max: string }>('SELECT coalesce(max(id), 0)::text AS max FROM audit_events');
    const results = [];
    for (const [sql, params] of [
      [oldSql, [json]],
      [newSql, [json, accounts]],
    ] as const) {
      await client.query('BEGIN');
      const { rows: out } = await client.query<{ v: unknown[] }>(sql, [...params]);
      results.push({ verdicts: out[0].v, ...(await state(client, rows[0].max)) });
      // The new function's batch is kept, so that later batches meet its counts, hashes and balances.
      await client.query(sql === newSql ? 'COMMIT' : 'ROLLBACK');
    }
    expect(results[1]).toEqual(results[0]);
    return results[1].verdicts;
  }

  it('decides and writes random mixed batches exactly as before, credits and limits running out mid-batch', async () => {
    const accounts = [
      (await createAccount(db.prisma, 25n, 'A')).number,
      (await createAccount(db.prisma, null, 'B')).number,
      (await createAccount(db.prisma, 60n, 'C')).number,
    ];
    const missing = Math.max(...accounts) + 1000;
    const tokens = Array.from({ length: 6 }, (_, i) => ({
      id: randomBytes(16).toString('hex'),
      account: accounts[i % 3],
      limit: i < 4 ? 1 + i * 3 : null,
      expiresAt: new Date(Date.now() + 3600_000),
    }));
    const requests = Array.from({ length: 12 }, () => randomBytes(32).toString('hex'));
    const client = await db.pool.connect();
    const seen = new Set<unknown>();
    try {
      for (let round = 0; round < 45; round++) {
        const size = 1 + randomInt(12);
        const limited = round % 3 !== 2;
        const rows = Array.from({ length: size }, () => {
          const token = tokens[randomInt(tokens.length)];
          const account = randomInt(15) === 0 ? missing : token.account;
          const device = { systemId: 4445, securityLevel: ['L1', 'L3'][randomInt(2)], known: true };
          const event = redemptionRow(account, token.id, {
            cookie: `u${randomInt(3)}`,
            requestType: randomInt(10) === 0 ? 'release' : 'new',
            message: randomInt(2) ? null : 'note',
            device,
          });
          if (!limited) return event;
          return {
            ...event,
            useLimit: token.limit,
            requestHash: token.limit === null ? null : requests[randomInt(requests.length)],
            tokenExpiresAt: token.limit === null ? null : token.expiresAt,
          };
        });
        const json = auditRowsJson(rows);
        const batchAccounts = [...new Set(rows.map((r) => r.accountNumber as number))];
        const verdicts = limited
          ? await compare(client, OLD_LIMITED, NEW_LIMITED, json, batchAccounts)
          : await compare(client, OLD_PLAIN, NEW_PLAIN, json, batchAccounts);
        verdicts.forEach((v) => seen.add(v));
      }
    } finally {
      client.release();
    }
    // The batches met every verdict the two functions give.
    for (const verdict of [true, false, 'granted', 'retry', 'used-up', 'no-credit']) expect(seen).toContain(verdict);
  });

  it('refuses a batch with a row whose account it was not asked to lock, writing nothing', async () => {
    const { number } = await createAccount(db.prisma, 10n, 'L');
    const other = (await createAccount(db.prisma, 10n, 'M')).number;
    const token = randomBytes(16).toString('hex');
    const rows = [redemptionRow(number, token), redemptionRow(other, token)];
    const limitedRows = rows.map((row) => ({
      ...row,
      useLimit: 5,
      requestHash: randomBytes(32).toString('hex'),
      tokenExpiresAt: new Date(Date.now() + 3600_000),
    }));
    await expect(db.pool.query(NEW_PLAIN, [auditRowsJson(rows), [number]])).rejects.toThrow(/not in p_accounts/);
    await expect(db.pool.query(NEW_LIMITED, [auditRowsJson(limitedRows as never), [number]])).rejects.toThrow(
      /not in p_accounts/,
    );
    const { rows: written } = await db.pool.query('SELECT 1 FROM audit_events WHERE token_id = $1', [token]);
    expect(written).toHaveLength(0);
    const { rows: credits } = await db.pool.query('SELECT credits FROM accounts WHERE number = $1', [number]);
    expect(credits[0].credits).toBe('10');
  });
});
