import { createCipheriv, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createKeyRing, nodeCryptoTokenAead, openToken, sealToken, tokenAead, useTokenAead, type TokenAead } from '.';
import type { TokenClaims } from './claims';

const PACKAGE_ROOT = path.join(__dirname, '..', '..');
const RING = createKeyRing([{ id: 7, key: Buffer.alloc(32, 0x42) }]);
const NOW = 1767225600;
const CLAIMS: TokenClaims = {
  tokenId: Buffer.alloc(16, 0x11),
  account: 42,
  environment: 'test',
  drm: 'fp',
  issuedAt: NOW,
  expiresAt: NOW + 60,
  cookie: 'c',
  kid: null,
  contentKey: Buffer.alloc(16, 0x33),
  iv: Buffer.alloc(16, 0x44),
  policy: { drm: 'fp', rentalDuration: 0, rightsType: null, extensions: [] },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('core without the native addon', () => {
  afterEach(() => useTokenAead());

  it('declares no dependency on @openplay/cipher and imports it nowhere', () => {
    const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    const declared = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
    expect(Object.keys(declared)).not.toContain('@openplay/cipher');
    const importers = sourceFiles(path.join(PACKAGE_ROOT, 'src')).filter((file) =>
      /from '@openplay\/cipher'|require\('@openplay\/cipher'\)/.test(readFileSync(file, 'utf8')),
    );
    expect(importers).toEqual([]);
  });

  it('loads and round-trips a token when @openplay/cipher cannot be resolved at all', () => {
    jest.isolateModules(() => {
      jest.doMock(
        '@openplay/cipher',
        () => {
          throw new Error('@openplay/cipher is not installed');
        },
        { virtual: true },
      );
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const isolated = require('../index') as typeof import('../index');
      expect(isolated.tokenAead()).toBe(isolated.nodeCryptoTokenAead);
      const ring = isolated.createKeyRing([{ id: 7, key: Buffer.alloc(32, 0x42) }]);
      const claims = isolated.openToken(isolated.sealToken(CLAIMS, ring), ring, NOW);
      expect(claims.cookie).toBe('c');
      expect(claims.contentKey.equals(CLAIMS.contentKey)).toBe(true);
    });
  });

  it('serves the codec from node:crypto by default, interoperable with a plain createCipheriv', () => {
    expect(tokenAead()).toBe(nodeCryptoTokenAead);
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const aad = Buffer.from([1, 7]);
    const plain = randomBytes(45);
    const out = Buffer.alloc(45);
    const tag = Buffer.alloc(16);
    nodeCryptoTokenAead.encryptInto(out, tag, key, iv, aad, plain);
    const reference = createCipheriv('aes-256-gcm', key, iv);
    reference.setAAD(aad);
    expect(out.equals(Buffer.concat([reference.update(plain), reference.final()]))).toBe(true);
    expect(tag.equals(reference.getAuthTag())).toBe(true);
    expect(nodeCryptoTokenAead.decrypt(key, iv, aad, out, tag)?.equals(plain)).toBe(true);
    const forged = Buffer.from(tag);
    forged[0] ^= 1;
    expect(nodeCryptoTokenAead.decrypt(key, iv, aad, out, forged)).toBeNull();
    expect(nodeCryptoTokenAead.decrypt(key, iv, Buffer.from([1, 8]), out, tag)).toBeNull();
  });

  it('encrypts in place, and an empty plaintext still gets a tag', () => {
    const key = randomBytes(32);
    const iv = randomBytes(12);
    const plain = randomBytes(33);
    const data = Buffer.from(plain);
    const tag = Buffer.alloc(16);
    nodeCryptoTokenAead.encryptInto(data, tag, key, iv, Buffer.alloc(0), data);
    expect(data.equals(plain)).toBe(false);
    expect(nodeCryptoTokenAead.decrypt(key, iv, Buffer.alloc(0), data, tag)?.equals(plain)).toBe(true);
    const empty = Buffer.alloc(0);
    nodeCryptoTokenAead.encryptInto(empty, tag, key, iv, Buffer.alloc(0), empty);
    expect(nodeCryptoTokenAead.decrypt(key, iv, Buffer.alloc(0), empty, tag)?.length).toBe(0);
  });

  it('uses the bytes a key Buffer holds now, not the ones it held when first seen', () => {
    const key = Buffer.alloc(32, 1);
    const iv = Buffer.alloc(12);
    const out = Buffer.alloc(16);
    const tag = Buffer.alloc(16);
    nodeCryptoTokenAead.encryptInto(out, tag, key, iv, Buffer.alloc(0), Buffer.alloc(16));
    key.fill(2);
    expect(nodeCryptoTokenAead.decrypt(key, iv, Buffer.alloc(0), out, tag)).toBeNull();
    expect(
      nodeCryptoTokenAead.decrypt(Buffer.alloc(32, 1), iv, Buffer.alloc(0), out, tag)?.equals(Buffer.alloc(16)),
    ).toBe(true);
  });
});

describe('useTokenAead', () => {
  afterEach(() => useTokenAead());

  it('routes sealing and opening through the installed implementation until restored', () => {
    const calls: string[] = [];
    const counting: TokenAead = {
      encryptInto: (...args) => {
        calls.push('encrypt');
        nodeCryptoTokenAead.encryptInto(...args);
      },
      decrypt: (...args) => {
        calls.push('decrypt');
        return nodeCryptoTokenAead.decrypt(...args);
      },
    };
    useTokenAead(counting);
    expect(tokenAead()).toBe(counting);
    const token = sealToken(CLAIMS, RING);
    expect(openToken(token, RING, NOW).account).toBe(42);
    expect(calls).toEqual(['encrypt', 'decrypt']);
    useTokenAead();
    expect(tokenAead()).toBe(nodeCryptoTokenAead);
    expect(openToken(token, RING, NOW).account).toBe(42);
    expect(calls).toHaveLength(2);
  });

  it('refuses something that is not an AEAD', () => {
    expect(() => useTokenAead({ decrypt: () => null } as unknown as TokenAead)).toThrow(TypeError);
    expect(tokenAead()).toBe(nodeCryptoTokenAead);
  });
});
