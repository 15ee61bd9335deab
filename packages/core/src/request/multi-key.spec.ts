import { CONTENT_KEY, EK, IV, KEK, KID, OTHER_KEY, attempt, parse } from './testing/requests';

// Multi-key requests (docs/api.md §12): entries, their rules across parameters, per-track policies.

const K2 = '11111111111111111111111111111111';
const K3 = '22222222222222222222222222222222';
const K4 = '33333333333333333333333333333333';
const single = { kid: null, contentKey: null };
const hex = (value: string) => Buffer.from(value, 'hex');

describe('multi-key token requests', () => {
  it('reads four Widevine keys with per-track levels; keys without a track policy get the token-wide ones', () => {
    const request = parse('wv', {
      ...single,
      key: [`${KID},${CONTENT_KEY},AUDIO`, `${K2},${OTHER_KEY},SD`, `${K3},${CONTENT_KEY},HD`, `${K4},${OTHER_KEY}`],
      securityLevel: '1',
      hdcpOutputControl: '0',
      trackSecurityLevel: ['HD:3'],
      trackHdcpOutputControl: ['HD:5'],
    });
    expect(request.kid).toEqual(hex(KID));
    expect(request.key).toEqual({ kind: 'clear', contentKey: hex(CONTENT_KEY) });
    expect(
      request.keys?.map((key) => [key.kid.toString('hex'), key.track, key.securityLevel, key.hdcpOutputControl]),
    ).toEqual([
      [KID, 'AUDIO', 1, 0],
      [K2, 'SD', 1, 0],
      [K3, 'HD', 3, 5],
      [K4, null, 1, 0],
    ]);
  });

  it('caps the keys of a track at trackMaxResolution, in pixels; other keys carry no cap at all', () => {
    const request = parse('wv', {
      ...single,
      key: [`${KID},${CONTENT_KEY},AUDIO`, `${K2},${OTHER_KEY},SD`, `${K3},${CONTENT_KEY},HD`, `${K4},${OTHER_KEY},HD`],
      securityLevel: '1',
      hdcpOutputControl: '0',
      trackMaxResolution: ['HD:1920x1080', 'SD:0720x576'],
    });
    expect(request.keys?.map((key) => key.maxResolutionPixels)).toEqual([
      undefined,
      720 * 576,
      1920 * 1080,
      1920 * 1080,
    ]);
    expect(request.keys?.[0]).not.toHaveProperty('maxResolutionPixels');
    expect(
      parse('wv', { ...single, key: `${K2},${OTHER_KEY},UHD2`, trackMaxResolution: 'UHD2:16384x16384' }).keys?.[0],
    ).toMatchObject({ maxResolutionPixels: 16384 * 16384 });
  });

  it('resolves keyEk now and leaves keyStored to the app, both under kek', () => {
    const request = parse('wv', { ...single, kek: KEK, keyEk: `${KID},${EK},HD`, keyStored: `^movie,SD` });
    expect(request.keys?.map((key) => key.key.kind)).toEqual(['wrapped', 'stored']);
    expect(request.keys?.[0].key).toEqual({ kind: 'wrapped', contentKey: hex(CONTENT_KEY) });
  });

  it('gives FairPlay keys their own iv, else the request iv', () => {
    const request = parse('fp', { ...single, key: [`${KID},${CONTENT_KEY}`, `${K2},${OTHER_KEY},${K3}`] });
    expect(request.keys?.map((key) => key.iv?.toString('hex'))).toEqual([IV, K3]);
    expect(request.iv).toEqual(hex(IV));
  });

  it('leaves single-key requests without keys', () => {
    expect(parse('wv').keys).toBeNull();
  });

  it.each<[string, 'wv' | 'fp' | 'ck', Record<string, string | string[] | null>, number, RegExp]>([
    ['kid with key', 'wv', { contentKey: null, key: `${K2},${OTHER_KEY}` }, -10002, /kid cannot be given with key/],
    ['contentKey with key', 'wv', { kid: null, key: `${K2},${OTHER_KEY}` }, -10002, /contentKey/],
    [
      'a bad content key, named by kid',
      'wv',
      { ...single, key: `${K2},zz` },
      -10001,
      new RegExp(`kid "${K2}": contentKey`),
    ],
    ['an unknown track', 'wv', { ...single, key: `${K2},${OTHER_KEY},4K` }, -10001, /track must be one of AUDIO/],
    ['too many parts', 'wv', { ...single, key: `${K2},${OTHER_KEY},HD,x` }, -10001, /key=<kid>,<contentKey>/],
    ['a bad kid', 'wv', { ...single, key: `zz,${OTHER_KEY}` }, -10001, /kid "zz": kid must be hexadecimal/],
    [
      '33 keys',
      'wv',
      {
        ...single,
        key: Array.from({ length: 17 }, (_, i) => `${i.toString(16).padStart(32, '0')},${OTHER_KEY}`),
        keyEk: Array.from({ length: 16 }, (_, i) => `${(i + 100).toString(16).padStart(32, '0')},${EK}`),
        kek: KEK,
      },
      -10001,
      /at most 32 keys/,
    ],
    [
      'a kid twice',
      'wv',
      { ...single, key: [`${K2},${OTHER_KEY}`, `${K2},${CONTENT_KEY}`] },
      -10003,
      new RegExp(`kid ${K2} is given twice`),
    ],
    ['keyStored without kek', 'wv', { ...single, keyStored: K2 }, -10001, /needs kek/],
    ['kek with key entries only', 'wv', { ...single, kek: KEK, key: `${K2},${OTHER_KEY}` }, -10002, /kek is only used/],
    [
      'a keyEk that does not unwrap',
      'wv',
      { ...single, kek: OTHER_KEY, keyEk: `${K2},${EK}` },
      -4024,
      new RegExp(`kid ${K2}`),
    ],
    [
      'a track level out of range',
      'wv',
      { ...single, key: `${K2},${OTHER_KEY},HD`, trackSecurityLevel: 'HD:6' },
      -7004,
      /for HD/,
    ],
    [
      'a track HDCP out of range',
      'wv',
      { ...single, key: `${K2},${OTHER_KEY},HD`, trackHdcpOutputControl: 'HD:6' },
      -2034,
      /for HD/,
    ],
    [
      'a track policy for a track no key has',
      'wv',
      { ...single, key: `${K2},${OTHER_KEY},HD`, trackSecurityLevel: 'SD:1' },
      -10004,
      /no key has track SD/,
    ],
    [
      'a track policy twice',
      'wv',
      { ...single, key: `${K2},${OTHER_KEY},HD`, trackSecurityLevel: ['HD:1', 'HD:2'] },
      -10004,
      /twice for track HD/,
    ],
    ['a track policy without entries', 'wv', { trackSecurityLevel: 'HD:1' }, -10004, /none is given/],
    ...(
      [
        ['HD:1920', -10006, /<width>x<height>, each 1 to 16384/],
        ['HD:1920X1080', -10006, /for HD must be <width>x<height>/],
        ['HD:0x1080', -10006, /for HD/],
        ['HD:16385x1', -10006, /for HD/],
        ['HD:1920x1080x2', -10006, /for HD/],
        ['HD:-1920x1080', -10006, /for HD/],
        ['HD 1920x1080', -10004, /trackMaxResolution must be <track>:<value>/],
        ['4K:3840x2160', -10004, /trackMaxResolution must be <track>:<value>/],
        ['AUDIO:1x1', -10004, /cannot cap AUDIO/],
        ['SD:720x576', -10004, /trackMaxResolution: no key has track SD/],
        [['HD:1x1', 'HD:2x2'], -10004, /trackMaxResolution is given twice for track HD/],
      ] as const
    ).map(([value, code, details]): [string, 'wv', Record<string, string | string[] | null>, number, RegExp] => [
      `trackMaxResolution=${String(value)}`,
      'wv',
      { ...single, key: `${K2},${OTHER_KEY},HD`, trackMaxResolution: value as string | string[] },
      code,
      details,
    ]),
    ['a resolution cap without entries', 'wv', { trackMaxResolution: 'HD:1x1' }, -10004, /none is given/],
    [
      'a resolution cap on FairPlay',
      'fp',
      { ...single, key: `${K2},${OTHER_KEY}`, trackMaxResolution: 'HD:1x1' },
      -10004,
      /trackMaxResolution is Widevine only/,
    ],
    ['a resolution cap on Clear Key', 'ck', { trackMaxResolution: 'HD:1x1' }, -8002, /trackMaxResolution/],
    [
      'a track policy on FairPlay',
      'fp',
      { ...single, key: `${K2},${OTHER_KEY}`, trackSecurityLevel: 'HD:1' },
      -10004,
      /Widevine only/,
    ],
    ['a key entry on Clear Key', 'ck', { key: `${K2},${OTHER_KEY}` }, -8002, /Clear Key/],
  ])('refuses %s', (_name, drm, overrides, code, details) => {
    const error = attempt(() => parse(drm, overrides));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(details);
    expect(error.message.toLowerCase()).not.toContain(OTHER_KEY);
    expect(error.message.toLowerCase()).not.toContain(CONTENT_KEY);
  });
});
