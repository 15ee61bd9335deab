import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ErrorCode, ExpressPlayError } from '../errors';
import type { Check, ParamCheck } from './check';
import { ENVELOPE_CHECKS } from './parse-envelope';
import { parseTokenRequest } from './parse-token-request';
import { EK, KID, NOW, OTHER_KEY, type Overrides, attempt, parse, paramsOf, wrapHex } from './testing/requests';
import { TOKEN_CHECKS, type TokenFields } from './token-checks';
import type { Drm } from './types';

// Properties of the whole table, generated from its rows, so that a new row is tested without new test code.

const DRMS: readonly Drm[] = ['wv', 'fp', 'ck'];

function paramRows(drm: Drm): ParamCheck<TokenFields>[] {
  return TOKEN_CHECKS.filter(
    (check): check is ParamCheck<TokenFields> => check.kind === 'param' && check.drms.includes(drm),
  );
}

const rowsByDrm = DRMS.flatMap((drm) => paramRows(drm).map((row) => [`${drm} ${row.name}`, drm, row] as const));

/** A value that fails at its own row with the row's invalid code, whatever else the request holds. */
const BAD: Readonly<Record<string, string>> = {
  deviceId: 'x',
  deviceid: 'x',
  deviceID: 'x',
  generalFlags: '0001',
  kid: 'zz',
  kek: 'zz',
  ek: 'zz',
  contentKey: 'zz',
  iv: 'zz',
  contentId: 'x'.repeat(257),
  securityLevel: '9',
  hdcpOutputControl: '9',
  licenseDuration: '2147483648',
  rentalDuration: '-1',
  rightsType: 'Lease',
  persistent: 'yes',
  playbackDuration: '2147483648',
  analogVideoOPL: '1000',
  compressedDigitalAudioOPL: '1000',
  compressedDigitalVideoOPL: '1000',
  uncompressedDigitalAudioOPL: '1000',
  uncompressedDigitalVideoOPL: '1000',
  outputControlFlags: 'zz',
  wvExtension: 'nocomma',
  fpExtension: 'nocomma',
  extensionType: 'abc',
  extensionPayload: '!!!!',
  expirationTime: 'soon',
  cookie: 'x'.repeat(33),
  useLimit: '0',
  key: 'zz',
  keyEk: 'zz',
  keyStored: 'zz',
  trackSecurityLevel: 'XX:1',
  trackHdcpOutputControl: 'XX:1',
  trackMaxResolution: 'XX:1x1',
  maxStreams: '101',
  streamLimitMode: 'newest',
  maxDevices: '0',
  deviceWindow: '59',
};

/** Where a megabyte of `1`s fails with a more specific code than the row's invalid code. */
const HUGE_VALUE_CODE: Readonly<Record<string, ErrorCode>> = {
  kid: -4020,
  contentKey: -2027,
  outputControlFlags: -2040,
};

describe('the token parameter table', () => {
  it('has a bad sample for every row', () => {
    expect(rowsByDrm.map(([, , row]) => row.name).filter((name) => BAD[name] === undefined)).toEqual([]);
  });

  it.each(rowsByDrm)('%s: a bad value gets the row invalid code', (_title, drm, row) => {
    const error = attempt(() => parse(drm, { [row.name]: BAD[row.name] }));
    expect([error.code, error.status]).toEqual([row.invalid, 400]);
  });

  it.each(rowsByDrm.filter(([, , row]) => row.maxCount === 1))(
    '%s: given twice with different values gets the row invalid code',
    (_title, drm, row) => {
      const error = attempt(() => parse(drm, { [row.name]: ['x', 'y'] }));
      expect([error.code, error.details]).toEqual([
        row.invalid,
        `${row.name} given more than once with different values`,
      ]);
    },
  );

  it.each(rowsByDrm.filter(([, , row]) => row.maxCount === 1))(
    '%s: given twice with the same value is read as given once',
    (_title, drm, row) => {
      const once = attempt(() => parse(drm, { [row.name]: BAD[row.name] }));
      const twice = attempt(() => parse(drm, { [row.name]: [BAD[row.name], BAD[row.name]] }));
      expect([twice.code, twice.details]).toEqual([once.code, once.details]);
    },
  );

  it.each(rowsByDrm.filter(([, , row]) => row.maxCount > 1))(
    '%s: given more than its limit gets the row invalid code, before any value is parsed',
    (_title, drm, row) => {
      const error = attempt(() => parse(drm, { [row.name]: Array<string>(100_000).fill('x') }));
      expect([error.code, error.details]).toEqual([row.invalid, `${row.name} given more than ${row.maxCount} times`]);
    },
  );

  it.each(rowsByDrm)('%s: an empty value gets the row missing code, else its invalid code', (_title, drm, row) => {
    const error = attempt(() => parse(drm, { [row.name]: '' }));
    expect([error.code, error.details]).toEqual([row.missing ?? row.invalid, `${row.name} given without a value`]);
  });

  it.each(rowsByDrm)('%s: a megabyte value is refused at once', (_title, drm, row) => {
    const params = paramsOf(drm, { [row.name]: '1'.repeat(1_000_000) });
    const started = process.hrtime.bigint();
    const error = attempt(() => parseTokenRequest(drm, params, NOW));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect([error.code, error.status]).toEqual([HUGE_VALUE_CODE[row.name] ?? row.invalid, 400]);
    expect(error.message.length).toBeLessThan(200);
    // A guard against super-linear work on a value (a quadratic pass over a megabyte takes minutes), not a speed
    // measurement: a loaded machine may pause a linear pass for tens of milliseconds.
    expect(elapsedMs).toBeLessThan(1000);
  });

  it.each(rowsByDrm.filter(([, drm, row]) => row.required.includes(drm)))(
    '%s: absent gets the row missing code, else its invalid code',
    (_title, drm, row) => {
      const error = attempt(() => parse(drm, { [row.name]: null }));
      expect([error.code, error.details]).toEqual([row.missing ?? row.invalid, `${row.name} is required`]);
    },
  );

  it.each(DRMS)('%s: of two bad parameters, the one earlier in the table decides the code', (drm) => {
    const rows = paramRows(drm);
    let pairs = 0;
    for (const [i, first] of rows.entries()) {
      for (const second of rows.slice(i + 1)) {
        if (second.name === first.name) continue;
        const error = attempt(() => parse(drm, { [second.name]: BAD[second.name], [first.name]: BAD[first.name] }));
        expect({ pair: `${first.name} then ${second.name}`, code: error.code }).toEqual({
          pair: `${first.name} then ${second.name}`,
          code: first.invalid,
        });
        pairs += 1;
      }
    }
    expect(pairs).toBeGreaterThan(100);
  });

  it.each<[string, Drm, Overrides, ErrorCode]>([
    ['kid before the key rules', 'wv', { kid: null, contentKey: null }, -4018],
    ['kek syntax before contentKey syntax', 'wv', { contentKey: 'zz', kek: 'k'.repeat(32) }, -4024],
    ['contentKey syntax before the key rules', 'wv', { contentKey: 'zz', ek: EK }, -2005],
    ['the key rules before the ek unwrap', 'fp', { contentKey: null, kek: OTHER_KEY, kid: KID, ek: EK }, -4024],
    ['the key rules before iv', 'fp', { contentKey: null, iv: null }, -2005],
    ['the key rules before securityLevel', 'wv', { contentKey: null, securityLevel: null }, -2005],
    ['the long-form pairing before expirationTime', 'fp', { extensionType: 'wudo', expirationTime: 'soon' }, -2035],
    ['extensionPayload syntax before the long-form pairing', 'fp', { extensionPayload: '!!!!' }, -2037],
    [
      'the extension budget before expirationTime',
      'fp',
      { fpExtension: [`wudo,${'A'.repeat(5464)}`, 'wudo,AA=='], expirationTime: 'soon' },
      -6001,
    ],
    ['device binding first', 'wv', { deviceid: 'x', kid: null, generalFlags: '1' }, -7002],
  ])('puts %s', (_label, drm, overrides, code) => {
    expect(attempt(() => parse(drm, overrides)).code).toBe(code);
  });
});

describe('README.md', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Check order'),
    readme.indexOf('\n## ', readme.indexOf('## Check order') + 1),
  );

  const labelOf = (check: Check<unknown>): string =>
    check.kind === 'param' ? `\`${check.name}\`` : `**${check.label}**`;

  it('documents the check order the code runs', () => {
    const labels = [...ENVELOPE_CHECKS, ...TOKEN_CHECKS].map((check) => labelOf(check as Check<unknown>));
    let position = 0;
    const misplaced: string[] = [];
    for (const label of labels) {
      const found = section.indexOf(label, position);
      if (found < 0) misplaced.push(label);
      else position = found;
    }
    expect(misplaced).toEqual([]);
  });

  it('numbers the steps', () => {
    expect(section).toMatch(/^1\. /m);
  });
});

describe('any request', () => {
  const names = [...new Set(TOKEN_CHECKS.flatMap((check) => (check.kind === 'param' ? [check.name] : [])))];
  const hex32 = fc.stringMatching(/^[0-9a-fA-F]{32}$/);
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    hex32,
    fc.stringMatching(/^[0-9]{1,3}$/),
    fc.constantFrom('', '^kid1', '0000', 'BuyToOwn', 'wudo,AAAAAA==', '+60', EK),
  );
  const request = fc.record({
    drm: fc.constantFrom<Drm>('wv', 'fp', 'ck'),
    contentKey: hex32,
    kek: hex32,
    secret: hex32,
    extra: fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 8 }),
    keyParams: fc.subarray(['contentKey', 'kek', 'ek'] as const),
  });

  it('either parses or fails with an ExpressPlayError that names no secret', () => {
    fc.assert(
      fc.property(request, ({ drm, contentKey, kek, secret, extra, keyParams }) => {
        const ek = wrapHex(kek, contentKey);
        const keys = { contentKey, kek, ek };
        const params: [string, string][] = [
          ['customerAuthenticator', `201722,${secret}`],
          ...keyParams.map((name): [string, string] => [name, keys[name]]),
          ...extra,
        ];
        let error: unknown = null;
        try {
          parseTokenRequest(drm, params, NOW);
        } catch (thrown) {
          error = thrown;
        }
        if (error === null) return;
        expect(error).toBeInstanceOf(ExpressPlayError);
        const message = (error as ExpressPlayError).message.toLowerCase();
        for (const hidden of [contentKey, kek, ek, secret]) expect(message).not.toContain(hidden.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Clear Key rules', () => {
  it('takes the Widevine key rules, expiry and cookie, and gives a policy with nothing in it', () => {
    const request = parse('ck', { cookie: 'c-1', expirationTime: '+60' });
    expect(request).toMatchObject({ drm: 'ck', iv: null, cookie: 'c-1', expiresAt: NOW + 60 });
    expect(request.kid?.toString('hex')).toBe(KID);
    expect(request.policy).toEqual({ drm: 'ck', extensions: [] });
    expect(parse('ck', { contentKey: null, kek: OTHER_KEY, ek: wrapHex(OTHER_KEY, OTHER_KEY) }).key.kind).toBe(
      'wrapped',
    );
    expect(parse('ck', { contentKey: null, kek: OTHER_KEY }).key).toMatchObject({ kind: 'stored' });
  });

  it.each<[string, Overrides, ErrorCode]>([
    ['kid required', { kid: null }, -4018],
    ['kid empty', { kid: '' }, -4018],
    ['no key', { contentKey: null }, -2005],
    ['ek without kek', { contentKey: null, ek: EK }, -4024],
    ['securityLevel', { securityLevel: '1' }, -8002],
    ['hdcpOutputControl, even empty', { hdcpOutputControl: '' }, -8002],
    ['licenseDuration', { licenseDuration: '0' }, -8002],
    ['rentalDuration', { rentalDuration: '0' }, -8002],
    ['wvExtension', { wvExtension: 'wudo,AAAAAA==' }, -8002],
    ['fpExtension', { fpExtension: 'wudo,AAAAAA==' }, -8002],
    ['extensionType', { extensionType: 'wudo' }, -8002],
    ['extensionPayload', { extensionPayload: 'AAAAAA==' }, -8002],
    ['device binding', { deviceID: 'x' }, -8002],
    ['a refused parameter before a bad kid', { securityLevel: '1', kid: 'zz' }, -8002],
  ])('refuses %s', (label, overrides, code) => {
    const error = attempt(() => parse('ck', overrides));
    expect(error.code).toBe(code);
    const expected = label.endsWith('empty') ? /given without a value$/ : /cannot be enforced by a Clear Key license$/;
    if (code === -8002) expect(error.details).toMatch(expected);
  });

  it('ignores the parameters that restrict nothing', () => {
    const request = parse('ck', { iv: 'not hex', contentId: '\u0000', rightsType: 'Lease', generalFlags: '1' });
    expect(request.policy).toEqual({ drm: 'ck', extensions: [] });
  });
});
