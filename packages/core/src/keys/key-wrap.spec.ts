import fc from 'fast-check';
import { ExpressPlayError } from '../errors';
import { aesKeyUnwrap, aesKeyWrap } from './key-wrap';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const KEK_128 = '000102030405060708090A0B0C0D0E0F';
const KEK_192 = `${KEK_128}1011121314151617`;
const KEK_256 = `${KEK_128}101112131415161718191A1B1C1D1E1F`;
const DATA_128 = '00112233445566778899AABBCCDDEEFF';
const DATA_192 = `${DATA_128}0001020304050607`;
const DATA_256 = `${DATA_128}000102030405060708090A0B0C0D0E0F`;

// RFC 3394 §4.1–4.6.
const RFC_3394_VECTORS: ReadonlyArray<[section: string, kek: string, data: string, wrapped: string]> = [
  ['4.1', KEK_128, DATA_128, '1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5'],
  ['4.2', KEK_192, DATA_128, '96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D'],
  ['4.3', KEK_256, DATA_128, '64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7'],
  ['4.4', KEK_192, DATA_192, '031D33264E15D332 68F24EC260743EDC E1C6C7DDEE725A93 6BA814915C6762D2'],
  ['4.5', KEK_256, DATA_192, 'A8F9BC1612C68B3F F6E6F4FBE30E71E4 769C8B80A32CB895 8CD5D17D6B254DA1'],
  ['4.6', KEK_256, DATA_256, '28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21'],
];

function expect4024(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ExpressPlayError);
  expect((thrown as ExpressPlayError).code).toBe(-4024);
  expect((thrown as ExpressPlayError).status).toBe(400);
}

describe('AES key wrap (RFC 3394)', () => {
  it.each(RFC_3394_VECTORS)('§%s wraps to the published ciphertext', (_section, kek, data, wrapped) => {
    expect(aesKeyWrap(hex(kek), hex(data)).toString('hex')).toBe(hex(wrapped).toString('hex'));
  });

  it.each(RFC_3394_VECTORS)('§%s unwraps the published ciphertext', (_section, kek, data, wrapped) => {
    expect(aesKeyUnwrap(hex(kek), hex(wrapped)).toString('hex')).toBe(hex(data).toString('hex'));
  });

  it.each(RFC_3394_VECTORS)('§%s fails the integrity check under another kek', (_section, kek, _data, wrapped) => {
    const otherKek = hex(kek);
    otherKek[0] ^= 0x80;
    expect4024(() => aesKeyUnwrap(otherKek, hex(wrapped)));
  });

  it.each([
    ['empty', 0],
    ['one block', 8],
    ['16 bytes (RFC 3394 needs two blocks of key data)', 16],
    ['not a multiple of 8', 25],
  ])('refuses wrapped data that is %s with -4024', (_label, length) => {
    expect4024(() => aesKeyUnwrap(hex(KEK_128), Buffer.alloc(length, 1)));
  });

  it.each([0, 8, 15, 17])('refuses to wrap %i bytes of key data', (length) => {
    expect(() => aesKeyWrap(hex(KEK_128), Buffer.alloc(length))).toThrow(RangeError);
  });

  it.each([0, 15, 20, 33])('refuses a %i-byte kek', (length) => {
    expect(() => aesKeyWrap(Buffer.alloc(length), Buffer.alloc(16))).toThrow(RangeError);
    expect(() => aesKeyUnwrap(Buffer.alloc(length), Buffer.alloc(24))).toThrow(RangeError);
  });

  const kekArb = fc.constantFrom(16, 24, 32).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
  const keyDataArb = fc
    .integer({ min: 2, max: 8 })
    .chain((blocks) => fc.uint8Array({ minLength: blocks * 8, maxLength: blocks * 8 }));

  it('round-trips any key data under any kek', () => {
    fc.assert(
      fc.property(kekArb, keyDataArb, (kek, data) => {
        const wrapped = aesKeyWrap(Buffer.from(kek), Buffer.from(data));
        expect(wrapped.length).toBe(data.length + 8);
        expect(aesKeyUnwrap(Buffer.from(kek), wrapped).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it('detects any single flipped bit in the wrapped data', () => {
    fc.assert(
      fc.property(kekArb, keyDataArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (kek, data, at, bit) => {
        const wrapped = aesKeyWrap(Buffer.from(kek), Buffer.from(data));
        wrapped[at % wrapped.length] ^= 1 << bit;
        expect4024(() => aesKeyUnwrap(Buffer.from(kek), wrapped));
      }),
    );
  });
});
