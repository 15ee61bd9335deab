import { type Stack, useStack } from './support/stack';

type Json = any;

const KID = '2f05477fc24bb4faefd86517156dafc0';
const KEY = '6e1d4c9a0b37f258e4a19d03c7b68f21';
const ADMIN_KEY = 'usage-admin-key-0123456789abcdef';
const HOUR_MS = 3_600_000;

async function ckToken(stack: Stack, auth: string): Promise<string> {
  const response = await fetch(
    `${stack.tokenGenUrl}/hms/ck/token?customerAuthenticator=${encodeURIComponent(auth)}&errorFormat=json&kid=${KID}&contentKey=${KEY}`,
  );
  expect(response.status).toBe(200);
  return response.text();
}

const license = (url: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kids: [Buffer.from(KID, 'hex').toString('base64url')], type: 'temporary' }),
  });

describe('usage: GET /admin/usage and GET /cmiapi/usage (real apps over HTTP, real Postgres)', () => {
  const stack = useStack(() => ({}), { tokenGenEnv: { ADMIN_API_KEY: ADMIN_KEY } });
  const admin = (query: string) =>
    fetch(`${stack.tokenGenUrl}/admin/usage${query}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const customer = (auth: string, query = '') =>
    fetch(
      `${stack.tokenGenUrl}/cmiapi/usage?customerAuthenticator=${encodeURIComponent(auth)}&errorFormat=json${query}`,
    );
  let a: { number: number; auth: string };
  let b: { number: number; auth: string };

  beforeAll(async () => {
    const created = async (name: string, credits: bigint | null) => {
      const { account, authenticators } = await stack.admin.createAccount({
        name,
        credits,
        widevine: true,
        fairplay: true,
      });
      return { number: account.number, auth: authenticators.test };
    };
    a = await created('Usage A', 10n);
    b = await created('Usage B', null);
    // A: 2 tokens, 3 licenses (one token used twice).
    const [first, second] = [await ckToken(stack, a.auth), await ckToken(stack, a.auth)];
    for (const url of [first, first, second]) expect((await license(url)).status).toBe(200);
    // B: 1 token, 1 license; a tampered token is refused (-4010) and not counted: it names no account.
    const url = await ckToken(stack, b.auth);
    expect((await license(url)).status).toBe(200);
    const tampered = url.slice(0, -4) + (url.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await license(tampered)).status).not.toBe(200);
  });

  it("answers the customer's own hours: tokens issued and licenses delivered, with the account's credits", async () => {
    const response = await customer(a.auth);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body: Json = await response.json();
    expect(body.account).toBe(a.number);
    expect(body.credits).toBe(7);
    expect(new Date(body.to).getTime() - new Date(body.from).getTime()).toBe(24 * HOUR_MS);
    const hour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();
    expect(body.hours).toEqual([
      { hour: expect.any(String), drm: 'ck', tokens: 2, licenses: 3, refusals: {}, devicesByLevel: {} },
    ]);
    expect([hour, new Date(Date.parse(hour) - HOUR_MS).toISOString()]).toContain(body.hours[0].hour);
  });

  it('answers one account or every account summed to the admin, filtered by DRM', async () => {
    const one: Json = await (await admin(`?account=${b.number}`)).json();
    expect(one.account).toBe(b.number);
    expect(one.credits).toBeNull();
    expect(one.hours).toHaveLength(1);
    expect(one.hours[0]).toMatchObject({ drm: 'ck', tokens: 1, licenses: 1 });
    const all: Json = await (await admin('')).json();
    expect(all.account).toBeNull();
    expect(all.credits).toBeNull();
    const sum = (field: 'tokens' | 'licenses') =>
      all.hours.reduce((total: number, h: Json) => total + (h[field] as number), 0);
    expect([sum('tokens'), sum('licenses')]).toEqual([3, 4]);
    expect(((await (await admin('?drm=wv')).json()) as Json).hours).toEqual([]);
    const old: Json = await (await admin('?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z')).json();
    expect(old).toEqual({
      account: null,
      from: '2020-01-01T00:00:00.000Z',
      to: '2020-01-02T00:00:00.000Z',
      credits: null,
      hours: [],
    });
  });

  it("refuses a bad range in each API's error shape, and guards the admin route", async () => {
    const tooLong = '&from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z';
    const adminRefusal = await admin(`?${tooLong.slice(1)}`);
    expect(adminRefusal.status).toBe(400);
    expect(await adminRefusal.json()).toEqual({
      code: 400,
      message: '[400] from and to must be at most 92 days apart',
    });
    const customerRefusal = await customer(a.auth, tooLong);
    expect(customerRefusal.status).toBe(400);
    expect(((await customerRefusal.json()) as Json).code).toBe(400);
    for (const query of ['&from=yesterday', '&drm=xx', '&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z']) {
      expect((await customer(a.auth, query)).status).toBe(400);
      expect((await admin(`?${query.slice(1)}`)).status).toBe(400);
    }
    expect((await admin('?account=999999999')).status).toBe(404);
    expect((await fetch(`${stack.tokenGenUrl}/admin/usage`)).status).toBe(401);
    expect((await customer('1,00000000000000000000000000000000')).status).toBe(401);
  });
});
