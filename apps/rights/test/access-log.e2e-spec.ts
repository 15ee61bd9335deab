import { useStack, tokenUrl } from './support/stack';

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';
const IV = 'f0e0d0c0b0a090807060504030201000';

/** The rights server's access log, read back as the JSON lines it writes: tokens never appear, however they are spelled. */
describe('rights access log (real apps, real Postgres)', () => {
  const stack = useStack(() => ({ LOG_LEVEL: 'info' }));
  let tokens: { wv: string; fp: string };

  beforeAll(async () => {
    const { authenticators } = await stack.admin.createAccount({
      name: 'Log',
      credits: null,
      widevine: true,
      fairplay: true,
    });
    const auth = `customerAuthenticator=${encodeURIComponent(authenticators.test)}`;
    const tokenOf = (url: string) => url.slice(url.indexOf('ExpressPlayToken=') + 'ExpressPlayToken='.length);
    tokens = {
      wv: tokenOf(
        await tokenUrl(stack, 'wv', `${auth}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0`),
      ),
      fp: tokenOf(await tokenUrl(stack, 'fp', `${auth}&kid=${KID}&contentKey=${KEY}&iv=${IV}`)),
    };
  });

  /** The access line of the one request `send` makes. */
  const lineOf = async (send: () => Promise<Response>): Promise<Record<string, unknown>> => {
    const before = stack.rightsLogs.length;
    await (await send()).arrayBuffer();
    for (let i = 0; i < 100; i++) {
      const line = stack.rightsLogs.slice(before).find((l) => l.msg === 'request completed');
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('no access-log line');
  };

  it.each([
    ['ExpressPlay%54oken', 'fp'],
    ['ExpressPlay%54oken', 'wv'],
    ['expressplaytoken', 'fp'],
    ['ExpressPlay%2554oken', 'wv'],
  ] as const)('POST /hms/%s/rights/?%s=… logs the URL without the token', async (name, drm) => {
    const token = tokens[drm];
    const line = await lineOf(() =>
      fetch(`${stack.rightsUrl}/hms/${drm}/rights/?${name}=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([8, 1]),
      }),
    );
    expect(line).toMatchObject({ req: { method: 'POST', url: `/hms/${drm}/rights/?${name}=[redacted]` } });
    expect(JSON.stringify(stack.rightsLogs)).not.toContain(token.slice(0, 40));
  });
});
