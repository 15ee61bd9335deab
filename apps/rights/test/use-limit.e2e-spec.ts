import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createCryptoImplementation } from '../src/drm/drm.module';
import { createRightsApp } from '../src/main';
import { tokenUrl, useStack } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  createWidevineWorld,
  serviceCertificateRequest,
  type WidevineWorld,
} from './support/widevine';

type Row = Record<string, any>;
const USED_UP = { code: -9002, message: '[-9002] Token use limit reached: the token has no use left' };

const post = (url: string, body: Uint8Array) => fetch(url, { method: 'POST', body });
const bytes = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());

describe('Widevine use-limited tokens over HTTP, two rights instances on one database (real Postgres)', () => {
  const world = {} as { current: WidevineWorld };
  beforeAll(async () => {
    world.current = await createWidevineWorld();
  });
  afterAll(() => world.current?.cleanup());
  const stack = useStack(() => world.current.env({}));
  let second: NestFastifyApplication;
  let secondUrl: string;
  let auth: string;

  beforeAll(async () => {
    // A second rights instance with the first's configuration (same database, keys and service certificate).
    second = await createRightsApp(stack.rightsConfig, createCryptoImplementation(stack.rightsConfig));
    await second.listen(0, '127.0.0.1');
    secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}`;
    const created = await stack.admin.createAccount({ name: 'UL', credits: 1000n, widevine: true, fairplay: true });
    auth = created.authenticators.test;
  });
  afterAll(() => second?.close());

  const token = async (useLimit: number) => {
    const contentKey = randomBytes(16).toString('hex');
    const query = new URLSearchParams({
      customerAuthenticator: auth,
      kid: randomBytes(16).toString('hex'),
      contentKey,
      securityLevel: '1',
      hdcpOutputControl: '0',
      useLimit: String(useLimit),
    });
    const url = await tokenUrl(stack, 'wv', query.toString());
    const claims = claimsOf(url);
    expect(claims.useLimit).toBe(useLimit);
    // Every other request goes to the second instance.
    const urls = [url, url.replace(stack.rightsUrl, secondUrl)];
    return { urls, contentKey, kid: claims.kid!.toString('hex'), tokenId: claims.tokenId.toString('hex') };
  };
  const rowsOf = async (tokenId: string): Promise<Row[]> =>
    (
      await stack.pool.query('SELECT * FROM audit_events WHERE token_id = $1 AND kind = $2 ORDER BY id', [
        tokenId,
        'redemption',
      ])
    ).rows;

  it('a one-time token: 08 04 uses nothing, 1 of 20 concurrent licenses, a retried challenge answered again', async () => {
    const t = await token(1);
    const certificate = await post(t.urls[1], serviceCertificateRequest(world.current.devices.L1));
    expect(certificate.status).toBe(200);

    const clients = Array.from({ length: 20 }, (_, i) => clientChallenge(world.current.devices[i % 2 ? 'L1' : 'L2']));
    const responses = await Promise.all(clients.map((c, i) => post(t.urls[i % 2], c.challenge)));
    const winners = responses.flatMap((r, i) => (r.status === 200 ? [i] : []));
    expect(winners).toHaveLength(1);
    const [w] = winners;
    expect(clients[w].parse(await bytes(responses[w]))).toEqual([{ kid: t.kid, key: t.contentKey }]);
    const refusals = await Promise.all(
      responses.filter((_, i) => i !== w).map(async (r) => ({ status: r.status, body: await r.json() })),
    );
    expect(refusals).toEqual(Array.from({ length: 19 }, () => ({ status: 403, body: USED_UP })));

    // The winning challenge again, on the other instance: the same use, answered again with a license.
    const retry = await post(t.urls[(w + 1) % 2], clients[w].challenge);
    expect(retry.status).toBe(200);
    expect(clients[w].parse(await bytes(retry))).toEqual([{ kid: t.kid, key: t.contentKey }]);
    // A new challenge from the winning device is another use: refused.
    expect((await post(t.urls[0], clientChallenge(world.current.devices.L1).challenge)).status).toBe(403);

    const rows = await rowsOf(t.tokenId);
    const count = (code: number) => rows.filter((r) => r.result_code === code).length;
    expect(rows).toHaveLength(1 + 20 + 1 + 1);
    expect(count(0)).toBe(3); // the certificate, the license and its retry
    expect(count(-9002)).toBe(20);
    expect(rows.filter((r) => r.message === 'a retry of a request that used the token: not another use')).toHaveLength(
      1,
    );
    const { rows: uses } = await stack.pool.query('SELECT uses FROM token_uses WHERE token_id = $1', [t.tokenId]);
    expect(uses).toEqual([{ uses: 1 }]);
  });

  it('a limit of 3 delivers 3 of 10 concurrent licenses across the two instances', async () => {
    const t = await token(3);
    const { rows: before } = await stack.pool.query('SELECT credits::int AS c FROM accounts WHERE credits IS NOT NULL');
    const clients = Array.from({ length: 10 }, (_, i) => clientChallenge(world.current.devices[i % 2 ? 'L1' : 'L2']));
    const responses = await Promise.all(clients.map((c, i) => post(t.urls[i % 2], c.challenge)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(3);
    expect(responses.filter((r) => r.status === 403)).toHaveLength(7);
    const { rows: after } = await stack.pool.query('SELECT credits::int AS c FROM accounts WHERE credits IS NOT NULL');
    expect(before[0].c - after[0].c).toBe(3);
  });
});
