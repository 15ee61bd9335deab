import {
  constants,
  createCipheriv,
  createHmac,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import {
  aes256GcmDecrypt,
  aes256GcmEncryptInto,
  aesCbc,
  aesCbcMac,
  aesEcb,
  cipherBackend,
  hmac,
  loadNativeCipher,
  nodeCipher,
  parseNativeSetting,
  rsaOaepSha1Encrypt,
  rsaPssVerify,
  selectCipherBackend,
  type NativeCipher,
  type RsaHash,
} from './index';
import { ADDON_PATH } from './native-addon';

// The addon must be built for these tests: they compare it with node:crypto byte for byte.
const native = loadNativeCipher('required')!;
const MISSING = '/nonexistent/openplay_cipher.node';
const blocks = (max: number) =>
  fc.integer({ min: 0, max }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }));
const bytes = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((a) => Buffer.from(a));
const key = fc.oneof(bytes(16), bytes(32));

/** What `impl` returns and writes for one call, as hex (the output starts out 0xa5, so a stray write shows too). */
function run(impl: NativeCipher, call: (impl: NativeCipher, out: Buffer) => unknown, size: number): string {
  const out = Buffer.alloc(size, 0xa5);
  const result = call(impl, out);
  return `${String(result)}:${out.toString('hex')}`;
}

describe('the backend', () => {
  afterAll(() => selectCipherBackend('required'));

  it('is the native addon unless OPENPLAY_NATIVE=off, so CI exercises what production runs', () => {
    expect(cipherBackend().backend).toBe(process.env.OPENPLAY_NATIVE === 'off' ? 'node:crypto' : 'native');
  });

  it('reads OPENPLAY_NATIVE as auto (the default), required or off, and refuses anything else', () => {
    expect(parseNativeSetting(undefined)).toBe('auto');
    expect(parseNativeSetting(' ')).toBe('auto');
    expect(parseNativeSetting('required')).toBe('required');
    expect(parseNativeSetting('off')).toBe('off');
    expect(() => parseNativeSetting('on')).toThrow('OPENPLAY_NATIVE must be auto, required or off (got "on")');
  });

  it('off never loads the addon; auto without one is node:crypto; required without one is an error naming the fix', () => {
    expect(loadNativeCipher('off')).toBeNull();
    expect(loadNativeCipher('auto', MISSING)).toBeNull();
    expect(() => loadNativeCipher('required', MISSING)).toThrow(
      /^@openplay\/cipher: OPENPLAY_NATIVE=required but cannot load the native addon \/nonexistent\/openplay_cipher\.node: .*set OPENPLAY_NATIVE=auto/,
    );
    expect(ADDON_PATH).toMatch(/openplay_cipher\.node$/);
  });

  it('auto falls back to node:crypto, says why, and every function keeps its answers', () => {
    const choice = selectCipherBackend('auto', MISSING);
    expect(choice).toEqual({
      backend: 'node:crypto',
      setting: 'auto',
      fallbackReason: expect.stringContaining(`cannot load the native addon ${MISSING}`),
    });
    expect(cipherBackend()).toBe(choice);
    const k128 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    expect(aesEcb('encrypt', k128, Buffer.from('00112233445566778899aabbccddeeff', 'hex')).toString('hex')).toBe(
      '69c4e0d86a7b0430d8cdb78070b4c55a',
    );
    expect(() => selectCipherBackend('required', MISSING)).toThrow(/OPENPLAY_NATIVE=required/);
    expect(selectCipherBackend('off')).toEqual({ backend: 'node:crypto', setting: 'off' });
    expect(selectCipherBackend('auto')).toEqual({ backend: 'native', setting: 'auto' });
  });

  it('loads in a worker thread too (each environment has its own contexts)', async () => {
    const source = `
      const { parentPort } = require('node:worker_threads');
      const addon = require(${JSON.stringify(ADDON_PATH)});
      const out = Buffer.alloc(16);
      addon.aes(out, 0, 1, Buffer.alloc(16), Buffer.alloc(0), Buffer.alloc(16));
      parentPort.postMessage(out.toString('hex'));`;
    const worker = new Worker(source, { eval: true });
    const answer = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    expect(answer).toBe('66e94bd4ef8a2c3b884cfa59ca342b2e'); // AES-128(0^128, 0^128)
  });
});

describe('known answers', () => {
  it('AES-128 and AES-256 (FIPS-197 C.1 and C.3), ECB and CBC, both directions', () => {
    const plain = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const k128 = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    const k256 = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    expect(aesEcb('encrypt', k128, plain).toString('hex')).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    expect(aesEcb('encrypt', k256, plain).toString('hex')).toBe('8ea2b7ca516745bfeafc49904b496089');
    expect(aesEcb('decrypt', k256, Buffer.from('8ea2b7ca516745bfeafc49904b496089', 'hex')).equals(plain)).toBe(true);
    // One CBC block from a zero IV is one ECB block.
    expect(aesCbc('encrypt', k128, Buffer.alloc(16), plain).toString('hex')).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');
    expect(
      aesCbc('decrypt', k128, Buffer.alloc(16), Buffer.from('69c4e0d86a7b0430d8cdb78070b4c55a', 'hex')).equals(plain),
    ).toBe(true);
  });

  it('AES-256-GCM (McGrew and Viega, test case 14)', () => {
    const k = Buffer.alloc(32);
    const iv = Buffer.alloc(12);
    const ciphertext = Buffer.alloc(16);
    const tag = Buffer.alloc(16);
    aes256GcmEncryptInto(ciphertext, tag, k, iv, Buffer.alloc(0), Buffer.alloc(16));
    expect(ciphertext.toString('hex')).toBe('cea7403d4d606b6e074ec5d3baf39d18');
    expect(tag.toString('hex')).toBe('d0d1c8a799996bf0265b98b5d48ab919');
    expect(aes256GcmDecrypt(k, iv, Buffer.alloc(0), ciphertext, tag)?.equals(Buffer.alloc(16))).toBe(true);
  });

  it('HMAC-SHA-256 and HMAC-SHA-512 (RFC 4231 test case 2), HMAC-SHA-1 (RFC 2202 test case 2)', () => {
    const data = Buffer.from('what do ya want for nothing?');
    const jefe = Buffer.from('Jefe');
    expect(hmac('sha256', jefe, data).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(hmac('sha512', jefe, data).toString('hex')).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
    expect(hmac('sha1', jefe, data).toString('hex')).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('CBC-MAC is the last block of AES-128-CBC from a zero IV', () => {
    const k = randomBytes(16);
    const data = randomBytes(16 * 70); // more than the addon's 1 KiB scratch
    const cbc = createCipheriv('aes-128-cbc', k, Buffer.alloc(16)).setAutoPadding(false).update(data);
    expect(aesCbcMac(k, data).equals(cbc.subarray(cbc.length - 16))).toBe(true);
  });
});

describe('the addon writes exactly what node:crypto does', () => {
  it('AES-ECB and AES-CBC, both key sizes and directions', () => {
    fc.assert(
      fc.property(key, bytes(16), blocks(80), fc.boolean(), fc.boolean(), (k, iv, data, cbc, encrypt) => {
        const call = (impl: NativeCipher, out: Buffer) =>
          impl.aes(out, cbc ? 1 : 0, encrypt ? 1 : 0, k, cbc ? iv : Buffer.alloc(0), Buffer.from(data));
        expect(run(native, call, data.length)).toBe(run(nodeCipher, call, data.length));
      }),
      { numRuns: 300 },
    );
  });

  it('CBC-MAC', () => {
    fc.assert(
      fc.property(
        bytes(16),
        blocks(200).filter((d) => d.length > 0),
        (k, data) => {
          const call = (impl: NativeCipher, out: Buffer) => impl.cbcMac(out, k, Buffer.from(data));
          expect(run(native, call, 16)).toBe(run(nodeCipher, call, 16));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('AES-256-GCM sealing, and opening of genuine and altered input', () => {
    fc.assert(
      fc.property(
        bytes(32),
        bytes(12),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        (k, iv, aadBytes, plainBytes, flip) => {
          const aad = Buffer.from(aadBytes);
          const plain = Buffer.from(plainBytes);
          const sealed = Buffer.alloc(plain.length);
          const tag = Buffer.alloc(16);
          native.gcm(sealed, 1, k, iv, aad, plain, tag);
          const expectedTag = Buffer.alloc(16);
          const expected = Buffer.alloc(plain.length);
          nodeCipher.gcm(expected, 1, k, iv, aad, plain, expectedTag);
          expect(sealed.equals(expected) && tag.equals(expectedTag)).toBe(true);
          expect(aes256GcmDecrypt(k, iv, aad, sealed, tag)?.equals(plain)).toBe(true);

          // One flipped bit anywhere (ciphertext, tag, AAD) and both refuse it.
          const whole = Buffer.concat([sealed, tag, aad]);
          whole[(flip >>> 3) % whole.length] ^= 1 << (flip & 7);
          const [c, t, a] = [
            whole.subarray(0, sealed.length),
            whole.subarray(sealed.length, sealed.length + 16),
            whole.subarray(sealed.length + 16),
          ];
          expect(native.gcm(Buffer.alloc(c.length), 0, k, iv, a, c, t)).toBe(false);
          expect(nodeCipher.gcm(Buffer.alloc(c.length), 0, k, iv, a, c, t)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('HMAC over each hash, short and long keys', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<1 | 256 | 512>(1, 256, 512),
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 3000 }),
        (hash, k, data) => {
          const call = (impl: NativeCipher, out: Buffer) => impl.hmac(out, hash, Buffer.from(k), Buffer.from(data));
          const written = run(native, call, 64);
          expect(written).toBe(run(nodeCipher, call, 64));
          const digest = createHmac(hash === 1 ? 'sha1' : `sha${hash}`, Buffer.from(k))
            .update(Buffer.from(data))
            .digest('hex');
          expect(written).toBe(`undefined:${digest}${'a5'.repeat(64 - digest.length / 2)}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('misuse is an exception, never a crash or a stray write', () => {
  const k16 = Buffer.alloc(16);
  const cases: Array<[string, () => unknown]> = [
    ['too few arguments', () => (native.aes as (...a: unknown[]) => void)(Buffer.alloc(16), 0, 1)],
    [
      'a string for a buffer',
      () => (native.aes as (...a: unknown[]) => void)(Buffer.alloc(16), 0, 1, 'key', Buffer.alloc(0), Buffer.alloc(16)),
    ],
    [
      'a 24-byte AES key',
      () => native.aes(Buffer.alloc(16), 0, 1, Buffer.alloc(24), Buffer.alloc(0), Buffer.alloc(16)),
    ],
    ['a partial block', () => native.aes(Buffer.alloc(32), 1, 1, k16, Buffer.alloc(16), Buffer.alloc(17))],
    ['an output too small', () => native.aes(Buffer.alloc(15), 0, 1, k16, Buffer.alloc(0), Buffer.alloc(16))],
    ['a CBC IV of 8 bytes', () => native.aes(Buffer.alloc(16), 1, 0, k16, Buffer.alloc(8), Buffer.alloc(16))],
    ['mode 2', () => native.aes(Buffer.alloc(16), 2 as 0, 1, k16, Buffer.alloc(16), Buffer.alloc(16))],
    ['an empty CBC-MAC', () => native.cbcMac(Buffer.alloc(16), k16, Buffer.alloc(0))],
    ['a CBC-MAC output of 8 bytes', () => native.cbcMac(Buffer.alloc(8), k16, Buffer.alloc(16))],
    [
      'a GCM key of 16 bytes',
      () => native.gcm(Buffer.alloc(16), 1, k16, Buffer.alloc(12), Buffer.alloc(0), Buffer.alloc(16), Buffer.alloc(16)),
    ],
    [
      'a GCM IV of 16 bytes',
      () =>
        native.gcm(
          Buffer.alloc(16),
          0,
          Buffer.alloc(32),
          Buffer.alloc(16),
          Buffer.alloc(0),
          Buffer.alloc(16),
          Buffer.alloc(16),
        ),
    ],
    [
      'a GCM tag of 12 bytes',
      () =>
        native.gcm(
          Buffer.alloc(16),
          0,
          Buffer.alloc(32),
          Buffer.alloc(12),
          Buffer.alloc(0),
          Buffer.alloc(16),
          Buffer.alloc(12),
        ),
    ],
    ['an HMAC over MD5', () => native.hmac(Buffer.alloc(64), 5 as 1, k16, Buffer.alloc(1))],
    ['an HMAC-SHA-512 output of 32 bytes', () => native.hmac(Buffer.alloc(32), 512, k16, Buffer.alloc(1))],
    ['whole blocks through the API', () => aesEcb('encrypt', k16, Buffer.alloc(20))],
  ];
  it.each(cases)('%s', (_name, call) => {
    expect(call).toThrow(/./);
  });
});

/** The name of what `call` throws: the addon's errors come from Node's realm, not Jest's, so instanceof cannot tell. */
function thrown(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    return (error as Error).name;
  }
  return 'nothing thrown';
}

describe('RSA under a device key: the addon decides as node:crypto does', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const backends: Array<[string, NativeCipher]> = [
    ['the addon', native],
    ['node:crypto', nodeCipher],
  ];
  const HASH_BITS = { sha1: 1, sha256: 256, sha384: 384 } as const;
  const pss = (hash: RsaHash, data: Buffer, saltLength: number, key: KeyObject = privateKey) =>
    sign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
  const digestBytes = (hash: RsaHash) => ({ sha1: 20, sha256: 32, sha384: 48 })[hash];
  const openOaep = (ciphertext: Buffer) =>
    privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, ciphertext);

  it.each(backends)('%s: PSS accepts the genuine signature and nothing else', (_name, impl) => {
    const key = impl.rsaPublicKey(der);
    fc.assert(
      fc.property(
        fc.constantFrom<RsaHash>('sha1', 'sha256', 'sha384'),
        fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
        fc.nat(),
        (hash, data, flip) => {
          const signature = pss(hash, data, digestBytes(hash));
          expect(impl.rsaPssVerify(key, HASH_BITS[hash], data, signature)).toBe(true);
          const altered = Buffer.from(signature);
          altered[(flip >>> 3) % altered.length] ^= 1 << (flip & 7);
          expect(impl.rsaPssVerify(key, HASH_BITS[hash], data, altered)).toBe(false);
          const otherHash = hash === 'sha1' ? 256 : 1;
          expect(impl.rsaPssVerify(key, otherHash, data, signature)).toBe(false);
          expect(impl.rsaPssVerify(key, HASH_BITS[hash], Buffer.concat([data, Buffer.of(0)]), signature)).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each(backends)(
    '%s: PSS refuses another salt length, another key, and signatures of the wrong size',
    (_n, impl) => {
      const key = impl.rsaPublicKey(der);
      const data = Buffer.from('a Widevine license request');
      expect(impl.rsaPssVerify(key, 256, data, pss('sha256', data, 0))).toBe(false);
      expect(impl.rsaPssVerify(key, 256, data, pss('sha256', data, 20))).toBe(false);
      expect(impl.rsaPssVerify(key, 256, data, pss('sha256', data, 32, other))).toBe(false);
      const genuine = pss('sha256', data, 32);
      expect(impl.rsaPssVerify(key, 256, data, genuine.subarray(1))).toBe(false);
      expect(impl.rsaPssVerify(key, 256, data, Buffer.concat([genuine, Buffer.of(0)]))).toBe(false);
      expect(impl.rsaPssVerify(key, 256, data, Buffer.alloc(0))).toBe(false);
      expect(impl.rsaPssVerify(key, 256, data, Buffer.alloc(256, 0xff))).toBe(false);
    },
  );

  it.each(backends)('%s: OAEP-SHA-1 ciphertexts open under the private key, fresh each time', (_name, impl) => {
    const key = impl.rsaPublicKey(der);
    for (const length of [0, 1, 16, 32, 214]) {
      const data = randomBytes(length);
      const out = Buffer.alloc(260, 0xa5);
      expect(impl.rsaOaepEncrypt(out, key, data)).toBe(256);
      expect(out.subarray(256).equals(Buffer.alloc(4, 0xa5))).toBe(true);
      expect(openOaep(out.subarray(0, 256)).equals(data)).toBe(true);
      const again = Buffer.alloc(256);
      impl.rsaOaepEncrypt(again, key, data);
      expect(again.equals(out.subarray(0, 256))).toBe(false);
    }
  });

  it.each(backends)('%s: misuse is a RangeError or TypeError, and nothing is written', (_name, impl) => {
    const key = impl.rsaPublicKey(der);
    const ecDer = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    expect(thrown(() => impl.rsaPublicKey(ecDer))).toBe('RangeError');
    expect(thrown(() => impl.rsaPublicKey(der.subarray(0, der.length - 1)))).toBe('RangeError');
    expect(thrown(() => impl.rsaPublicKey(Buffer.alloc(0)))).toBe('RangeError');
    expect(thrown(() => impl.rsaPublicKey(randomBytes(300)))).toBe('RangeError');
    expect(thrown(() => impl.rsaPssVerify(key, 512 as 1, Buffer.alloc(1), Buffer.alloc(256)))).toBe('RangeError');
    const out = Buffer.alloc(256, 0xa5);
    expect(thrown(() => impl.rsaOaepEncrypt(out, key, Buffer.alloc(215)))).toBe('RangeError');
    expect(thrown(() => impl.rsaOaepEncrypt(out.subarray(0, 255), key, Buffer.alloc(16)))).toBe('RangeError');
    expect(out.equals(Buffer.alloc(256, 0xa5))).toBe(true);
  });

  it('the addon takes only its own key handles', () => {
    const notHandles: unknown[] = [der, {}, null, 'key', publicKey, nodeCipher.rsaPublicKey(der)];
    for (const handle of notHandles) {
      expect(thrown(() => native.rsaPssVerify(handle as never, 256, Buffer.alloc(1), Buffer.alloc(256)))).toBe(
        'TypeError',
      );
      expect(thrown(() => native.rsaOaepEncrypt(Buffer.alloc(256), handle as never, Buffer.alloc(1)))).toBe(
        'TypeError',
      );
    }
    expect(thrown(() => (native.rsaPublicKey as (d: unknown) => unknown)('der'))).toBe('TypeError');
  });

  it('the API takes KeyObjects, public or private, on either backend and answers the same', () => {
    const data = randomBytes(100);
    const signature = pss('sha384', data, 48);
    try {
      for (const setting of ['required', 'off'] as const) {
        selectCipherBackend(setting);
        for (const key of [publicKey, privateKey]) {
          expect(rsaPssVerify(key, 'sha384', data, signature)).toBe(true);
          expect(rsaPssVerify(key, 'sha256', data, signature)).toBe(false);
          // Twice: the second call runs on the contexts the first made.
          expect(rsaPssVerify(key, 'sha384', data, signature)).toBe(true);
          expect(openOaep(rsaOaepSha1Encrypt(key, data)).equals(data)).toBe(true);
          expect(openOaep(rsaOaepSha1Encrypt(key, data.subarray(0, 16))).equals(data.subarray(0, 16))).toBe(true);
        }
      }
    } finally {
      selectCipherBackend('required');
    }
  });
});
