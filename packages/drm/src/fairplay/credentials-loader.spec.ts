import { copyFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_CERT_HASH, FIXTURES, fixture, policy } from '../../test/fixtures/fairplay/fixtures';
import { createSoftwareFairPlayKsm, loadFairPlayCredentials } from '.';

describe('loadFairPlayCredentials', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fairplay-credentials-'));
    mkdirSync(join(dir, 'keys'));
    copyFileSync(join(FIXTURES, 'credentials/dev_certificate.der'), join(dir, 'keys/cert.der'));
    copyFileSync(join(FIXTURES, 'credentials/dev_private_key.pem'), join(dir, 'keys/key.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('reads sets with paths relative to the JSON file, with a DASk or an ASk', () => {
    const path = write('ok.json', [
      { certificate: 'keys/cert.der', privateKey: 'keys/key.pem', dask: 'd87ce7a26081de2e8eb8acef3a6dc179' },
      {
        certificate: join(FIXTURES, 'synthetic/rsa2048_certificate.der'),
        privateKey: join(FIXTURES, 'synthetic/rsa2048_key.pem'),
        ask: '000102030405060708090A0B0C0D0E0F',
      },
    ]);
    const sets = loadFairPlayCredentials(path);
    expect(sets).toHaveLength(2);
    const ksm = createSoftwareFairPlayKsm(sets);
    expect(ksm.certificateHashes[0]).toBe(DEV_CERT_HASH);
    const { ckc } = ksm.createCkcSync(fixture('FPS/spc2.bin'), {
      contentKey: Buffer.alloc(16, 1),
      iv: Buffer.alloc(16, 2),
      policy: policy(),
    });
    expect(ckc.length).toBe(588);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'a certificate and key that do not match',
      [{ certificate: 'keys/cert.der', privateKey: join(FIXTURES, 'synthetic/rsa1024_key.pem'), ask: '00'.repeat(16) }],
      /entry 0 \(keys\/cert\.der, .*rsa1024_key\.pem\): the certificate and the private key do not match$/,
    ],
    ['not an array', { certificate: 'x' }, /expected a non-empty JSON array/],
    ['an empty array', [], /expected a non-empty JSON array/],
    [
      'both ask and dask',
      [{ certificate: 'keys/cert.der', privateKey: 'keys/key.pem', ask: '00'.repeat(16), dask: '00'.repeat(16) }],
      /exactly one of "ask" or "dask"/,
    ],
    [
      'a short ask',
      [{ certificate: 'keys/cert.der', privateKey: 'keys/key.pem', ask: 'abcd' }],
      /"ask" must be 32 hex digits/,
    ],
    [
      'a missing file',
      [{ certificate: 'keys/none.der', privateKey: 'keys/key.pem', ask: '00'.repeat(16) }],
      /cannot read certificate file keys\/none\.der \(ENOENT\)/,
    ],
    ['no privateKey', [{ certificate: 'keys/cert.der', ask: '00'.repeat(16) }], /"privateKey" must be a file path/],
    ['bad JSON', '[{', /cannot read \(not valid JSON\)/],
  ])('fails with one line for %s', (name, content, message) => {
    const path = write(`${name.replace(/\W+/g, '-')}.json`, content);
    let error: Error | undefined;
    try {
      loadFairPlayCredentials(path);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain(path);
    expect(error?.message).not.toContain('\n');
    expect(error?.message).not.toContain('00'.repeat(16));
  });

  it('fails with one line for a missing JSON file', () => {
    expect(() => loadFairPlayCredentials(join(dir, 'absent.json'))).toThrow(/cannot read \(ENOENT\)/);
  });
});
