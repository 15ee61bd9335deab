import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { referenceCmac, referenceDerive } from '../testing/widevine/client';
import { Cmac, deriveServerKeys, deriveSessionKeys } from './primitives';
import { GOOGLE_WIDEVINE_ROOT_CERTIFICATE, keyControlBlock, parseTrustedRoot } from '.';

describe('AES-CMAC', () => {
  const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
  const message = Buffer.from(
    '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
    'hex',
  );
  it.each([
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ])('matches RFC 4493 for %i bytes', (length, mac) => {
    expect(new Cmac(key).mac(message.subarray(0, length)).toString('hex')).toBe(mac);
    expect(referenceCmac(key, message.subarray(0, length)).toString('hex')).toBe(mac);
  });

  it('agrees with the block-by-block reference on any split of any message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), (bytes, cut) => {
        const k = randomBytes(16);
        const m = Buffer.from(bytes);
        const at = m.length ? cut % m.length : 0;
        expect(new Cmac(k).mac(m.subarray(0, at), m.subarray(at)).equals(referenceCmac(k, m))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same MACs when one instance (one cipher chain) computes many', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 4 }), { maxLength: 6 }),
        (messages) => {
          const k = randomBytes(16);
          const cmac = new Cmac(k);
          for (const parts of messages) {
            const buffers = parts.map((p) => Buffer.from(p));
            expect(cmac.mac(...buffers).equals(referenceCmac(k, Buffer.concat(buffers)))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('session key derivation', () => {
  it('matches the test-side reference for enc, server and client MAC keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 300 }), (key, msg) => {
        const sk = Buffer.from(key);
        const request = Buffer.from(msg);
        const ours = deriveSessionKeys(sk, request);
        const reference = referenceDerive(sk, request);
        expect(ours.encKey.equals(reference.enc)).toBe(true);
        expect(ours.macKeyServer.equals(reference.macServer)).toBe(true);
        expect(ours.macKeyClient.equals(reference.macClient)).toBe(true);
        expect(deriveServerKeys(sk, request)).toEqual({ encKey: ours.encKey, macKeyServer: ours.macKeyServer });
      }),
      { numRuns: 100 },
    );
  });
});

describe('key control block', () => {
  it('is kctl with nonce only for a plain streaming key', () => {
    const kcb = keyControlBlock({ durationSeconds: 3600, nonce: 0xdeadbeef, hdcp: 0, securityLevel: 2 });
    expect(kcb.toString('hex')).toBe(Buffer.from('kctl').toString('hex') + '00000e10' + 'deadbeef' + '00000008');
  });
  it('is kc09 with HDCP 1 bits, and without nonce when the request has none', () => {
    const kcb = keyControlBlock({ durationSeconds: 0, nonce: undefined, hdcp: 1, securityLevel: 3 });
    expect(kcb.toString('latin1', 0, 4)).toBe('kc09');
    expect(kcb.readUInt32BE(12)).toBe((1 << 30) | (1 << 9) | (1 << 2));
  });
});

describe("Google's Widevine root", () => {
  it('parses, self-verifies and has the published fingerprint', () => {
    expect(parseTrustedRoot(GOOGLE_WIDEVINE_ROOT_CERTIFICATE).fingerprint).toBe(
      '4d37517967d93c1fe39ea841f17a88da28c4aba7f3f09505224cafdf33f75c32',
    );
  });
});
