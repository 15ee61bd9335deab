import { randomBytes } from 'node:crypto';
import { tokenUrl, useStack } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  decodeErrorResponse,
  inspectLicense,
  useWidevineWorld,
  SYSTEM_ID,
} from './support/widevine';

// Multi-key Widevine tokens over real HTTP (token-gen and rights, real PostgreSQL), redeemed with the independent
// `widevine` npm client: each device gets exactly the keys its level allows (docs/api.md §12).

const UA = 'openplay-e2e-multi-key/1.0';
const post = (url: string, body: Uint8Array) => fetch(url, { method: 'POST', body, headers: { 'user-agent': UA } });
const bytes = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());

interface Key {
  kid: string;
  key: string;
  track: string;
}

describe('rights: multi-key Widevine tokens (real apps, real Postgres, the widevine client)', () => {
  const world = useWidevineWorld();
  const stack = useStack(() => world.current.env({ WIDEVINE_UNKNOWN_DEVICES: 'reject' }));
  let auth: string;

  beforeAll(async () => {
    const created = await stack.admin.createAccount({ name: 'MK', credits: null, widevine: true, fairplay: true });
    auth = created.authenticators.test;
  });

  /** AUDIO and SD at level 1, HD at level 3 with HDCP 1, UHD1 at level 5 with HDCP 2.2 (4). */
  async function fourKeyToken() {
    const keys = randomKeys(['AUDIO', 'SD', 'HD', 'UHD1']);
    const query = new URLSearchParams([
      ['customerAuthenticator', auth],
      ...keyEntries(keys),
      ['securityLevel', '1'],
      ['hdcpOutputControl', '0'],
      ['trackSecurityLevel', 'HD:3'],
      ['trackHdcpOutputControl', 'HD:1'],
      ['trackSecurityLevel', 'UHD1:5'],
      ['trackHdcpOutputControl', 'UHD1:4'],
      ['cookie', 'multi-key'],
    ]);
    const url = await tokenUrl(stack, 'wv', query.toString());
    return { url, keys, tokenId: claimsOf(url).tokenId.toString('hex') };
  }

  const rowOf = async (tokenId: string) =>
    (
      await stack.pool.query("SELECT * FROM audit_events WHERE kind = 'redemption' AND token_id = $1 ORDER BY id", [
        tokenId,
      ])
    ).rows as Array<Record<string, any>>;

  it('gives an L3 device exactly the AUDIO and SD keys, and records which kids were withheld and why', async () => {
    const token = await fourKeyToken();
    const client = clientChallenge(world.current.devices.L3);
    const response = await post(token.url, client.challenge);
    expect(response.status).toBe(200);
    const body = await bytes(response);
    expect(client.parse(body)).toEqual(token.keys.slice(0, 2).map(({ kid, key }) => ({ kid, key })));
    const view = inspectLicense(world.current.devices.L3, client.challenge, body);
    expect(view.contentKeys.map((c) => c.container.track_label)).toEqual(['AUDIO', 'SD']);

    const rows = await rowOf(token.tokenId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      result_code: 0,
      request_type: 'new',
      kid: token.keys[0].kid,
      device: {
        systemId: SYSTEM_ID.L3,
        securityLevel: 'L3',
        deliveredKids: [token.keys[0].kid, token.keys[1].kid],
        withheldKeys: [
          { kid: token.keys[2].kid, track: 'HD', securityLevel: 3, reason: expect.stringMatching(/needs L1 or L2/) },
          { kid: token.keys[3].kid, track: 'UHD1', securityLevel: 5, reason: expect.stringMatching(/needs L1/) },
        ],
      },
    });
    const recorded = JSON.stringify(rows[0]);
    for (const { key } of token.keys) expect(recorded).not.toContain(key);
  });

  it('gives an L1 device all four keys, each with its own level and HDCP', async () => {
    const token = await fourKeyToken();
    const client = clientChallenge(world.current.devices.L1);
    const response = await post(token.url, client.challenge);
    expect(response.status).toBe(200);
    const body = await bytes(response);
    expect(client.parse(body)).toEqual(token.keys.map(({ kid, key }) => ({ kid, key })));
    const view = inspectLicense(world.current.devices.L1, client.challenge, body);
    expect(
      view.contentKeys.map((c) => [c.container.track_label, c.container.level, c.container.required_protection.hdcp]),
    ).toEqual([
      ['AUDIO', 1, 0],
      ['SD', 1, 0],
      ['HD', 3, 1],
      ['UHD1', 5, 4],
    ]);
    const [row] = await rowOf(token.tokenId);
    expect(row.device).toMatchObject({ securityLevel: 'L1', withheldKeys: [] });
  });

  it('caps the HD key at trackMaxResolution with one video_resolution_constraint, and no other key', async () => {
    const keys = randomKeys(['AUDIO', 'SD', 'HD']);
    const query = new URLSearchParams([
      ['customerAuthenticator', auth],
      ...keyEntries(keys),
      ['securityLevel', '1'],
      ['hdcpOutputControl', '0'],
      ['trackHdcpOutputControl', 'HD:2'],
      ['trackMaxResolution', 'HD:1920x1080'],
    ]);
    const url = await tokenUrl(stack, 'wv', query.toString());
    expect(claimsOf(url).keys?.map((key) => key.maxResolutionPixels)).toEqual([undefined, undefined, 2_073_600]);
    const client = clientChallenge(world.current.devices.L1);
    const response = await post(url, client.challenge);
    expect(response.status).toBe(200);
    const body = await bytes(response);
    // The widevine client authenticates the license and recovers all three keys; the constraint field is read with the
    // test-side schema, which the client does not expose.
    expect(client.parse(body)).toEqual(keys.map(({ kid, key }) => ({ kid, key })));
    const view = inspectLicense(world.current.devices.L1, client.challenge, body);
    expect(view.contentKeys.map((c) => [c.container.track_label, c.container.video_resolution_constraints])).toEqual([
      ['AUDIO', undefined],
      ['SD', undefined],
      ['HD', [{ min_resolution_pixels: 0, max_resolution_pixels: 1920 * 1080, required_protection: { hdcp: 2 } }]],
    ]);
  });

  it('refuses malformed resolution caps at token-gen with -10006 and -10004', async () => {
    const base = `${stack.tokenGenUrl}/hms/wv/token?customerAuthenticator=${encodeURIComponent(auth)}&errorFormat=json&securityLevel=1&hdcpOutputControl=0`;
    const key = `${randomBytes(16).toString('hex')},${randomBytes(16).toString('hex')},HD`;
    const cases: Array<[string, number]> = [
      [`&key=${key}&trackMaxResolution=HD:1920`, -10006],
      [`&key=${key}&trackMaxResolution=HD:0x1080`, -10006],
      [`&key=${key}&trackMaxResolution=SD:1280x720`, -10004],
      [`&key=${key}&trackMaxResolution=AUDIO:1x1`, -10004],
    ];
    for (const [params, code] of cases) {
      const response = await fetch(base + params);
      const error = (await response.json()) as { code: number; message: string };
      expect([response.status, error.code]).toEqual([400, code]);
      if (code === -10006) expect(error.message).toMatch(/^\[-10006\] Invalid maximum resolution: trackMaxResolution/);
    }
  });

  it("lists trackMaxResolution and -10006 in token-gen's OpenAPI document, for Widevine", async () => {
    const document = (await (await fetch(`${stack.tokenGenUrl}/docs/json`)).json()) as {
      paths: Record<string, unknown>;
    };
    const wv = JSON.stringify(document.paths['/hms/wv/token']);
    for (const word of ['trackMaxResolution', 'HD:1920x1080', '-10006']) expect(wv).toContain(word);
  });

  it('refuses a device that meets no key with -7008, and records it', async () => {
    const kid = randomBytes(16).toString('hex');
    const query = new URLSearchParams([
      ['customerAuthenticator', auth],
      ['key', `${kid},${randomBytes(16).toString('hex')},HD`],
      ['securityLevel', '1'],
      ['hdcpOutputControl', '0'],
      ['trackSecurityLevel', 'HD:4'],
    ]);
    const url = await tokenUrl(stack, 'wv', query.toString());
    const response = await post(url, clientChallenge(world.current.devices.L3).challenge);
    // As for a single key: an ERROR_RESPONSE the CDM understands, the spec code in headers.
    expect(response.status).toBe(200);
    expect(response.headers.get('x-expressplay-error-code')).toBe('-7008');
    expect(response.headers.get('x-expressplay-error-message')).toMatch(/any key of the token/);
    expect(decodeErrorResponse(await bytes(response))).toBe(3);
    const rows = await rowOf(claimsOf(url).tokenId.toString('hex'));
    expect(rows[0]).toMatchObject({ result_code: -7008, device: { securityLevel: 'L3' } });
  });

  it('refuses mixed and malformed multi-key requests at token-gen with their codes', async () => {
    const base = `${stack.tokenGenUrl}/hms/wv/token?customerAuthenticator=${encodeURIComponent(auth)}&errorFormat=json&securityLevel=1&hdcpOutputControl=0`;
    const kid = randomBytes(16).toString('hex');
    const key = randomBytes(16).toString('hex');
    const cases: Array<[string, number]> = [
      [`&kid=${kid}&key=${kid},${key}`, -10002],
      [`&key=${kid},${key},4K`, -10001],
      [`&key=${kid},${key}&key=${kid},${key},HD`, -10003],
      [`&key=${kid},${key},HD&trackSecurityLevel=SD:2`, -10004],
    ];
    for (const [params, code] of cases) {
      const response = await fetch(base + params);
      expect([response.status, ((await response.json()) as { code: number }).code]).toEqual([400, code]);
    }
  });
});

/** A random kid and content key per track. */
function randomKeys(tracks: readonly string[]): Key[] {
  return tracks.map((track) => ({
    kid: randomBytes(16).toString('hex'),
    key: randomBytes(16).toString('hex'),
    track,
  }));
}

/** The token request's `key=<kid>,<contentKey>,<track>` entries. */
function keyEntries(keys: readonly Key[]): Array<[string, string]> {
  return keys.map(({ kid, key, track }) => ['key', `${kid},${key},${track}`]);
}
