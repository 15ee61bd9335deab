import { randomBytes } from 'node:crypto';
import { useStack, widevineTokenUrl, type Stack } from './support/stack';
import { clientChallenge, useWidevineWorld, type DeviceName } from './support/widevine';

// Usage by device security level over real HTTP: Widevine licenses delivered by rights to devices of the independent
// `widevine` client at L1, L2 and L3 (the test PKI's device models), then the usage APIs of token-gen count them per
// level and DRM (`level:<L>` counters of the roll-up, docs/decisions/0019-usage-roll-ups.md; docs/api.md).

type Json = any;

const ADMIN_KEY = 'usage-levels-admin-key-0123456789';
const UA = 'openplay-e2e-usage-levels/1.0';

function wvToken(stack: Stack, auth: string, securityLevel: number): Promise<string> {
  return widevineTokenUrl(stack, auth, { securityLevel: String(securityLevel) });
}

async function ckToken(stack: Stack, auth: string): Promise<{ url: string; kid: string }> {
  const kid = randomBytes(16).toString('hex');
  const query = `customerAuthenticator=${encodeURIComponent(auth)}&kid=${kid}&contentKey=${randomBytes(16).toString('hex')}`;
  const response = await fetch(`${stack.tokenGenUrl}/hms/ck/token?${query}&errorFormat=json`);
  expect(response.status).toBe(200);
  return { url: await response.text(), kid };
}

describe('usage by Widevine security level (real apps over HTTP, the widevine client, real Postgres)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() => world.current.env(), { tokenGenEnv: { ADMIN_API_KEY: ADMIN_KEY } });
  const admin = async (query: string): Promise<Json> => {
    const response = await fetch(`${stack.tokenGenUrl}/admin/usage${query}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    return response.json();
  };
  let a: { number: number; auth: string };
  let b: { number: number; auth: string };

  /** One license for `device` on a fresh token of `securityLevel`; returns the spec code rights answered (0 = license). */
  const license = async (auth: string, device: DeviceName, securityLevel = 1): Promise<number> => {
    const url = await wvToken(stack, auth, securityLevel);
    const client = clientChallenge(world.current.devices[device]);
    const response = await fetch(url, { method: 'POST', body: client.challenge, headers: { 'user-agent': UA } });
    expect(response.status).toBe(200);
    const code = Number(response.headers.get('x-expressplay-error-code') ?? 0);
    if (code === 0) expect(client.parse(Buffer.from(await response.arrayBuffer()))).toHaveLength(1);
    return code;
  };

  beforeAll(async () => {
    const created = async (name: string) => {
      const { account, authenticators } = await stack.admin.createAccount({
        name,
        credits: null,
        widevine: true,
        fairplay: true,
      });
      return { number: account.number, auth: authenticators.test };
    };
    a = await created('Levels A');
    b = await created('Levels B');
    // A: two L1 licenses, one L3; an L3 device refused by a token that needs L1 or L2 (level 3) is no delivery.
    for (const device of ['L1', 'L1', 'L3'] as const) expect(await license(a.auth, device)).toBe(0);
    expect(await license(a.auth, 'L3', 3)).toBe(-7008);
    // A Clear Key license in the same hours: counted, with no level.
    const ck = await ckToken(stack, a.auth);
    const response = await fetch(ck.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kids: [Buffer.from(ck.kid, 'hex').toString('base64url')], type: 'temporary' }),
    });
    expect(response.status).toBe(200);
    // B: one L2 license and one L3.
    for (const device of ['L2', 'L3'] as const) expect(await license(b.auth, device)).toBe(0);
  });

  /** The hours' entries of one DRM, summed (the licenses may straddle an hour's end). */
  const totals = (hours: Json[], drm: string) => {
    const sum = {
      tokens: 0,
      licenses: 0,
      refusals: {} as Record<string, number>,
      levels: {} as Record<string, number>,
    };
    for (const h of hours.filter((entry) => entry.drm === drm)) {
      sum.tokens += h.tokens;
      sum.licenses += h.licenses;
      for (const [code, n] of Object.entries(h.refusals as Record<string, number>))
        sum.refusals[code] = (sum.refusals[code] ?? 0) + n;
      for (const [level, n] of Object.entries(h.devicesByLevel as Record<string, number>))
        sum.levels[level] = (sum.levels[level] ?? 0) + n;
    }
    return sum;
  };

  it("answers the customer's licenses per security level and DRM on GET /cmiapi/usage", async () => {
    const response = await fetch(
      `${stack.tokenGenUrl}/cmiapi/usage?customerAuthenticator=${encodeURIComponent(a.auth)}&errorFormat=json`,
    );
    expect(response.status).toBe(200);
    const body: Json = await response.json();
    expect(body.account).toBe(a.number);
    expect(totals(body.hours, 'wv')).toEqual({
      tokens: 4,
      licenses: 3,
      refusals: { '-7008': 1 },
      levels: { L1: 2, L3: 1 },
    });
    expect(totals(body.hours, 'ck')).toEqual({ tokens: 1, licenses: 1, refusals: {}, levels: {} });
    expect(body.hours.every((h: Json) => h.drm === 'wv' || Object.keys(h.devicesByLevel).length === 0)).toBe(true);
  });

  it('answers one account, one DRM, and every account summed per level on GET /admin/usage', async () => {
    const one = await admin(`?account=${b.number}&drm=wv`);
    expect(one.account).toBe(b.number);
    expect(totals(one.hours, 'wv')).toEqual({ tokens: 2, licenses: 2, refusals: {}, levels: { L2: 1, L3: 1 } });
    expect(one.hours.every((h: Json) => h.drm === 'wv')).toBe(true);

    const all = await admin('');
    expect(all.account).toBeNull();
    expect(totals(all.hours, 'wv')).toEqual({
      tokens: 6,
      licenses: 5,
      refusals: { '-7008': 1 },
      levels: { L1: 2, L2: 1, L3: 2 },
    });
    expect(totals(all.hours, 'ck').levels).toEqual({});
    expect((await admin('?drm=fp')).hours).toEqual([]);
  });
});
