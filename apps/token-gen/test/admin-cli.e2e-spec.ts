import { AdminError } from '../src/admin/admin-commands';
import { runAdmin } from '../src/admin/cli';
import { useTokenGen } from './support/token-gen-harness';

const KEY = '000102030405060708090a0b0c0d0e0f';
const KID = 'b366360da82e9c6e0b0984002a362cf2';

describe('admin CLI (runAdmin against a test database)', () => {
  const tg = useTokenGen();

  /** Runs the CLI as `npm run admin -- …` would; returns its exit code and what it printed. */
  const admin = async (...argv: string[]): Promise<{ code: number; out: string }> => {
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += chunk.toString();
      return true;
    });
    try {
      const code = await runAdmin(argv, {
        DATABASE_URL: tg.config.DATABASE_URL,
        AUTHENTICATOR_PEPPER: tg.config.AUTHENTICATOR_PEPPER,
        ENVIRONMENT: 'test',
      });
      return { code, out };
    } finally {
      spy.mockRestore();
    }
  };
  const json = async (...argv: string[]) => {
    const { code, out } = await admin(...argv, '--json');
    expect(code).toBe(0);
    return JSON.parse(out);
  };

  let number: number;
  let authenticator: string;

  it('creates an account, sets its credits and shows it', async () => {
    const created = await json('account', 'create', '--name', 'Cli Co', '--credits', '5');
    number = created.account;
    authenticator = created.authenticators.test;
    expect(authenticator).toMatch(new RegExp(`^${number},[0-9a-f]{32}$`));
    expect(await json('account', 'credits', String(number), '7')).toMatchObject({ number, credits: 7 });
    const text = await admin('account', 'show', String(number));
    expect(text.out).toContain(`account ${number} "Cli Co" active, credits 7, widevine on`);
    expect(text.out).toContain('clear key on');
    await expect(admin('account', 'credits', String(number), 'lots')).rejects.toThrow(AdminError);
    await expect(admin('account', 'show', '1')).rejects.toMatchObject({ kind: 'not-found', message: 'no account 1' });
  });

  it('switches Clear Key off and on (--clear-key), and creates accounts without it (--no-clear-key)', async () => {
    const ckToken = (who: string) =>
      fetch(
        `${tg.baseUrl}/hms/ck/token?customerAuthenticator=${encodeURIComponent(who)}&kid=${KID}&contentKey=${KEY}&errorFormat=json`,
      );
    expect(await json('account', 'options', String(number), '--clear-key', 'off')).toMatchObject({
      number,
      clearKeyEnabled: false,
      widevineEnabled: true,
    });
    expect(((await (await ckToken(authenticator)).json()) as { code: number }).code).toBe(-8001);
    const text = await admin('account', 'options', String(number), '--clear-key', 'on');
    expect(text.out).toContain('clear key on');
    expect((await ckToken(authenticator)).status).toBe(200);
    await expect(admin('account', 'options', String(number), '--clear-key', 'perhaps')).rejects.toThrow(
      '--clear-key must be true or false (or on/off)',
    );
    const without = await json('account', 'create', '--name', 'No CK', '--no-clear-key');
    expect((await json('account', 'show', String(without.account))).clearKeyEnabled).toBe(false);
    expect(((await (await ckToken(without.authenticators.test)).json()) as { code: number }).code).toBe(-8001);
  });

  it('logs: records by cookie, token id and account, as JSON and as text', async () => {
    const issue = (cookie: string) =>
      fetch(
        `${tg.baseUrl}/hms/wv/token?customerAuthenticator=${encodeURIComponent(authenticator)}&kid=${KID}&contentKey=${KEY}&securityLevel=1&hdcpOutputControl=0&cookie=${cookie}`,
      );
    expect((await issue('cli-1')).status).toBe(200);
    expect((await issue('cli-2')).status).toBe(200);
    expect((await issue('cli-2')).status).toBe(200);
    expect((await issue('bad%0Acookie')).status).toBe(400);

    const byCookie = await json('logs', '--cookie', 'cli-2');
    expect(byCookie).toHaveLength(2);
    expect(byCookie[0]).toMatchObject({
      account: number,
      kind: 'issuance',
      drm: 'wv',
      cookie: 'cli-2',
      resultCode: 0,
      kid: KID,
      tokenId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(BigInt(byCookie[0].id)).toBeGreaterThan(BigInt(byCookie[1].id));

    const byToken = await json('logs', '--token-id', byCookie[1].tokenId);
    expect(byToken.map((r: { id: string }) => r.id)).toEqual([byCookie[1].id]);

    const latest = await json('logs', '--account', String(number), '--limit', '2');
    expect(latest).toHaveLength(2);
    expect(latest[0]).toMatchObject({ tokenId: null, resultCode: -2033 });

    const text = await admin('logs', '--cookie', 'cli-1');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  #\\d+  account ${number}  issuance  wv  ok  token [0-9a-f]{32}  kid ${KID}  cookie "cli-1"  from 127\\.0\\.0\\.1\\n$`,
      ),
    );
    expect((await admin('logs', '--cookie', 'nothing-here')).out).toBe('no records\n');
  });

  it('usage: the hourly roll-up of the account (and of all accounts), as JSON and as text', async () => {
    // After the logs test: three Widevine tokens and one -2033 refusal of this account.
    const usage = await json('usage', '--account', String(number), '--drm', 'wv');
    expect(usage).toMatchObject({ account: number, credits: 7 });
    const sum = (hours: { tokens: number; refusals: Record<string, number> }[]) => ({
      tokens: hours.reduce((n, h) => n + h.tokens, 0),
      refused: hours.reduce((n, h) => n + (h.refusals['-2033'] ?? 0), 0),
    });
    expect(sum(usage.hours)).toEqual({ tokens: 3, refused: 1 });
    expect((await json('usage')).account).toBeNull();
    const text = await admin('usage', '--account', String(number));
    expect(text.code).toBe(0);
    expect(text.out).toMatch(new RegExp(`^account ${number}, .* credits 7\\n.* wv tokens \\d+ licenses 0 `));
    await expect(admin('usage', '--from', '2026-01-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z')).rejects.toThrow(
      'from and to must be at most 92 days apart',
    );
    await expect(admin('usage', '--drm', 'xx')).rejects.toThrow('drm must be wv, fp or ck');
  });

  it('logs: --help, and clear refusals', async () => {
    const help = await admin('logs', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain(
      'Usage: logs [--cookie COOKIE] [--token-id TOKEN_ID] [--account NUMBER] [--limit N] [--json]',
    );
    expect((await admin('--help')).out).toContain('logs               issuance and redemption records');
    await expect(admin('logs')).rejects.toThrow('give a cookie, a token id or an account to search the logs by');
    await expect(admin('logs', '--account', String(number), '--limit', '0')).rejects.toThrow(
      'the limit must be a whole number from 1 to 1000',
    );
    await expect(admin('logs', '--token-id', 'nope')).rejects.toThrow('a token id is 32 hex digits');
    await expect(admin('logs', '--account', 'abc')).rejects.toThrow('give the account number');
  });

  it("account limits: sets and clears the account's stream and device limits, refusing bad values by flag", async () => {
    expect(
      await json('account', 'limits', String(number), '--max-streams', '3', '--stream-limit-mode', 'stopOldest'),
    ).toMatchObject({ number, maxStreams: 3, streamLimitMode: 'stopOldest', maxDevices: null });
    const text = await admin('account', 'limits', String(number), '--max-devices', '2', '--device-window', '3600');
    expect(text.out).toContain('streams 3 (stopOldest), devices per user 2 within 3600s');
    expect(await json('account', 'limits', String(number), '--max-streams', 'none')).toMatchObject({
      maxStreams: null,
      streamLimitMode: null,
      maxDevices: 2,
      deviceWindow: 3600,
    });
    const message = async (...argv: string[]) =>
      ((await admin(...argv).catch((error: unknown) => error)) as AdminError).message;
    expect(await message('account', 'limits', String(number))).toBe(
      'give at least one of --max-streams, --max-devices',
    );
    expect(await message('account', 'limits', String(number), '--max-streams', '0')).toBe(
      '--max-streams must be a whole number (1 to 100000), or null / "none" to clear it',
    );
    expect(await message('account', 'limits', String(number), '--stream-limit-mode', 'deny')).toBe(
      'give --max-streams (a number) with --stream-limit-mode',
    );
    expect(await message('account', 'limits', String(number), '--max-devices', '1', '--device-window', '10')).toBe(
      '--device-window must be a whole number of seconds, 60 to 31536000',
    );
    expect(await json('account', 'limits', String(number), '--max-devices', 'none')).toMatchObject({
      maxDevices: null,
      deviceWindow: null,
    });
  });

  it("reads its arguments with the admin API's DTOs: the same refusals, naming the flags", async () => {
    const refusal = (...argv: string[]) =>
      expect(admin(...argv)).rejects.toMatchObject({ kind: 'invalid', message: expect.any(String) });
    const message = async (...argv: string[]) =>
      ((await admin(...argv).catch((error: unknown) => error)) as AdminError).message;
    expect(await message('account', 'create', '--name', '   ')).toBe(
      '--name must be a non-empty string of at most 200 characters',
    );
    expect(await message('account', 'create')).toBe('--name must be a non-empty string of at most 200 characters');
    expect(await message('account', 'create', '--name', 'x'.repeat(201))).toBe(
      '--name must be a non-empty string of at most 200 characters',
    );
    expect(await message('account', 'create', '--name', 'Nul\u0000Co')).toBe(
      '--name must not contain control characters or broken UTF-16',
    );
    for (const credits of ['NaN', '-1', '1e3', '1000000000000000', '0x10']) {
      expect(await message('account', 'create', '--name', 'X', `--credits=${credits}`)).toBe(
        '--credits must be a whole number (0 to 999999999999999), or null / "unlimited"',
      );
    }
    expect(await message('account', 'credits', String(number))).toBe(
      'give the balance: a whole number, or null / "unlimited"',
    );
    expect(await message('account', 'options', String(number), '--widevine', 'maybe')).toBe(
      '--widevine must be true or false (or on/off)',
    );
    // Behaviour change: options with nothing to change are refused, as by the admin API.
    expect(await message('account', 'options', String(number))).toBe(
      'give at least one of --widevine, --fairplay-authorized, --fairplay, --clear-key, --name',
    );
    expect(await message('authenticator', 'add', String(number), '--environment', 'staging')).toBe(
      '--environment must be test or production',
    );
    expect(
      await message('authenticator', 'add', String(number), '--environment', 'test', '--label', 'x'.repeat(101)),
    ).toBe('--label must be a string of at most 100 characters');
    for (const n of ['99999999999999999999', '2147483648', 'NaN', '1e3']) {
      expect(await message('account', 'show', n)).toBe('give the account number');
    }
    await refusal('logs', '--cookie', 'x'.repeat(33));
    expect(await json('account', 'list')).not.toContainEqual(expect.objectContaining({ name: 'X' }));
    // What the API takes, the CLI takes: true/false as well as on/off.
    expect(await json('account', 'options', String(number), '--widevine', 'false', '--fairplay', 'on')).toMatchObject({
      number,
      widevineEnabled: false,
      fairplayEnabled: true,
    });
    expect(await json('account', 'options', String(number), '--widevine', 'on')).toMatchObject({
      number,
      widevineEnabled: true,
    });
    expect(await json('account', 'credits', String(number), 'unlimited')).toMatchObject({ number, credits: null });
  });

  it('authenticator revoke: ids past PostgreSQL integers and other non-ids are refused as input, not sent to the database', async () => {
    for (const id of ['2147483648', '9999999999', '99999999999999999999', '1e3', '0x10', ' 5', '0']) {
      await expect(admin('authenticator', 'revoke', String(number), id)).rejects.toMatchObject({
        kind: 'invalid',
        message: 'give the authenticator id, 1 to 2147483647 (see account show)',
      });
    }
    await expect(admin('authenticator', 'revoke', String(number), '2147483647')).rejects.toMatchObject({
      kind: 'not-found',
    });
  });
});
