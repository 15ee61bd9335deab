// What every scenario of the fault suite uses: the apps, the account, token and redemption requests, the audit rows,
// and the secrets sent (for the log check).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { FAIRPLAY_VECTOR, fairPlayTokenSealer } from '../bench/harness.mjs';
import { clip, shapeProblem, sleep, timed } from './net.mjs';
import { CLIENT_TIMEOUT_MS, RECOVERY_WITHIN_MS } from './settings.mjs';

const require = createRequire(import.meta.url);
const pg = require('pg');

export async function createContext(cluster, apps, account) {
  const secrets = new Map(); // value → what it is
  const secret = (what, value) => (secrets.set(value, what), value);
  secret('customerAuthenticator', account.auth);
  secret('authenticator secret', account.auth.split(',')[1]);
  secret('admin API key', apps.adminKey);
  const contentKey = secret('contentKey', randomBytes(16).toString('hex'));
  const sealFairPlay = await fairPlayTokenSealer(account.number);
  const run = randomBytes(3).toString('hex');
  let serial = 0;

  const ctx = {
    cluster,
    apps,
    account,
    secrets,
    secret,
    contentKey,
    /** A cookie unique to this run and call, to find the request's audit row. */
    cookie: (label) => `faults-${run}-${label}-${++serial}`,
    /** GET a Widevine token (JSON errors); `params` override the defaults. */
    token: (cookie, params = {}) => {
      const query = new URLSearchParams({
        customerAuthenticator: account.auth,
        errorFormat: 'json',
        kid: randomBytes(16).toString('hex'),
        contentKey,
        securityLevel: '1',
        hdcpOutputControl: '0',
        cookie,
        ...params,
      });
      return timed(`${apps.tokenGen.base}/hms/wv/token?${query}`, { timeout: CLIENT_TIMEOUT_MS });
    },
    /** A FairPlay token of the account for Apple's development key and IV, sealed here. */
    fairPlayToken: (cookie) => sealFairPlay(cookie),
    /** POST Apple's FPS/spc1 (or `body`) with a fresh FairPlay token carrying `cookie`. */
    redeem: (cookie, { token = sealFairPlay(cookie), body = FAIRPLAY_VECTOR.spc } = {}) => {
      // Every tenth token is looked for in the logs too: enough to see a leak, few enough to keep the search quick.
      if (serial % 10 === 0) secret('ExpressPlayToken', token);
      return timed(`${apps.rights.base}/hms/fp/rights/?ExpressPlayToken=${encodeURIComponent(token)}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream' },
        timeout: CLIENT_TIMEOUT_MS,
      });
    },
    query: async (text, values) => {
      const client = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 5000 });
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    /** The audit rows of these cookies: cookie → [{ kind, resultCode }]. */
    auditRows: async (cookies) => {
      const rows = await ctx.query('SELECT cookie, kind, result_code FROM audit_events WHERE cookie = ANY($1)', [
        cookies,
      ]);
      const byCookie = new Map();
      for (const row of rows)
        byCookie.set(row.cookie, [
          ...(byCookie.get(row.cookie) ?? []),
          { kind: row.kind, resultCode: row.result_code },
        ]);
      return byCookie;
    },
    /** Polls a token request until it gets 200; the ms it took, or null. */
    recovery: async (within = RECOVERY_WITHIN_MS) => {
      const started = Date.now();
      while (Date.now() - started < within) {
        const [token, ckc] = await Promise.all([ctx.token(ctx.cookie('recovery')), ctx.redeem(ctx.cookie('recovery'))]);
        if (token.status === 200 && ckc.status === 200) return Date.now() - started;
        await sleep(250);
      }
      return null;
    },
  };
  return ctx;
}

/**
 * Why an answer given while the database is in trouble is wrong (null when it is right): a 200, or a 503 with
 * Retry-After in the documented JSON shape, within `within` ms.
 */
export function faultAnswerProblem(result, within) {
  if (result.error) return `${result.error} after ${result.ms.toFixed(0)} ms`;
  if (result.ms > within) return `${result.status} after ${result.ms.toFixed(0)} ms (over ${within} ms)`;
  if (result.status === 200) return null;
  if (result.status !== 503) return `${result.status}: ${clip(result.body)}`;
  if (!result.headers.get('retry-after')) return '503 without Retry-After';
  return shapeProblem(result.headers.get('content-type'), result.body);
}

/** Counts of answers by status (or error), e.g. "200×41, 503×3, ECONNRESET×1". */
export function tally(results) {
  const counts = new Map();
  for (const r of results) counts.set(r.error ?? r.status, (counts.get(r.error ?? r.status) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}×${n}`).join(', ') || 'none';
}

/** The first few distinct problems of a list, for a check's detail line. */
export function firstProblems(problems, count = 3) {
  const distinct = [...new Set(problems.filter(Boolean))];
  return distinct.slice(0, count).join('; ') + (distinct.length > count ? `; … (${distinct.length} kinds)` : '');
}
