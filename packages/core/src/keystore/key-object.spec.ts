import { ExpressPlayError } from '../errors';
import { kekId } from '../keys/kek-id';
import { aesKeyUnwrap, aesKeyWrap } from '../keys/key-wrap';
import { formatKeyTime, keyJson, keyMaterial, keyValue, openStoredKey, type StoredKeyView } from './key-object';
import type { KeyObjectInput } from './keystore-request';

const KEK = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const OTHER_KEK = Buffer.alloc(16, 0x11);
const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
// RFC 3394 §4.1: KEY wrapped under KEK.
const EK = Buffer.from('1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5', 'hex');
const KEK_ID = '#1.AFE008A381BDAC03B412A92D54B92DDFAD769991';

function codeOf(run: () => unknown): number {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressPlayError) return error.code;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('keyMaterial', () => {
  it('wraps a given k under the kek and names the kek', () => {
    expect(keyMaterial({ k: KEY }, KEK, true)).toEqual({ ek: EK, kekId: KEK_ID, k: KEY });
    expect(keyMaterial({ k: KEY }, KEK, false)).toEqual({ ek: EK, kekId: KEK_ID, k: KEY });
  });

  it('makes a random key under the kek when POST gives none', () => {
    const made = keyMaterial({}, KEK, true)!;
    expect(made.kekId).toBe(KEK_ID);
    expect(aesKeyUnwrap(KEK, made.ek).equals(made.k!)).toBe(true);
    expect(keyMaterial({}, KEK, true)!.k!.equals(made.k!)).toBe(false);
  });

  it('leaves the key alone when PUT gives none', () => {
    expect(keyMaterial({ info: 'x' }, KEK, false)).toBeNull();
    expect(keyMaterial({}, null, false)).toBeNull();
  });

  it('stores a client-wrapped ek with its kekId as given, without a kek', () => {
    expect(keyMaterial({ ek: EK, kekId: KEK_ID }, null, true)).toEqual({ ek: EK, kekId: KEK_ID, k: null });
  });

  it('checks an ek against the kek when both come', () => {
    expect(keyMaterial({ ek: EK }, KEK, true)).toEqual({ ek: EK, kekId: KEK_ID, k: KEY });
    expect(keyMaterial({ ek: EK, kekId: KEK_ID }, KEK, true)).toEqual({ ek: EK, kekId: KEK_ID, k: KEY });
  });

  it('accepts an echoed GET-with-kek object (k, ek and kekId that agree)', () => {
    expect(keyMaterial({ k: KEY, ek: EK, kekId: KEK_ID }, KEK, false)).toEqual({ ek: EK, kekId: KEK_ID, k: KEY });
  });

  it.each<[string, KeyObjectInput, Buffer | null, number]>([
    ['nothing and no kek (POST)', {}, null, -4024],
    ['k without kek', { k: KEY }, null, -4024],
    ['k and ek without kek', { k: KEY, ek: EK, kekId: KEK_ID }, null, -4024],
    ['k and an ek of another key', { k: Buffer.alloc(16, 7), ek: EK }, KEK, -2005],
    ['an ek that the kek does not unwrap', { ek: aesKeyWrap(OTHER_KEK, KEY) }, KEK, -4024],
    ['ek without kek or kekId', { ek: EK }, null, -4024],
    ['a kekId that names another kek', { k: KEY, kekId: kekId(OTHER_KEK) }, KEK, -4024],
    ['a kekId that names another kek, with nothing else', { kekId: KEK_ID }, OTHER_KEK, -4024],
  ])('refuses %s', (_label, input, kek, code) => {
    expect(codeOf(() => keyMaterial(input, kek, true))).toBe(code);
  });
});

describe('openStoredKey', () => {
  it('unwraps with the kek the key is wrapped under', () => {
    expect(openStoredKey({ ek: EK, kekId: KEK_ID }, KEK).equals(KEY)).toBe(true);
    expect(openStoredKey({ ek: EK, kekId: KEK_ID.toLowerCase() }, KEK).equals(KEY)).toBe(true);
  });

  it('gives -4024 for another kek (kekId differs) and for an ek its kekId does not open', () => {
    expect(codeOf(() => openStoredKey({ ek: EK, kekId: KEK_ID }, OTHER_KEK))).toBe(-4024);
    expect(codeOf(() => openStoredKey({ ek: aesKeyWrap(OTHER_KEK, KEY), kekId: KEK_ID }, KEK))).toBe(-4024);
  });
});

describe('keyJson and keyValue', () => {
  const stored: StoredKeyView = {
    kid: Buffer.from('80ea8bc8a58f990ad1f76bc665b30bfa', 'hex'),
    ek: EK,
    kekId: KEK_ID,
    info: null,
    contentId: null,
    expiration: null,
    lastUpdate: new Date('2021-09-22T22:42:48.000Z'),
  };

  it("renders ExpressPlay's key object: upper-case hex, k only when opened, optional fields only when set", () => {
    expect(keyJson(stored, null)).toEqual({
      kid: '80EA8BC8A58F990AD1F76BC665B30BFA',
      kekId: KEK_ID,
      ek: '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5',
      lastUpdate: '2021-09-22T22:42:48Z',
    });
    expect(
      Object.keys(
        keyJson({ ...stored, info: 'i', contentId: 'c', expiration: new Date('2030-01-01T00:00:00.250Z') }, KEY),
      ),
    ).toEqual(['kid', 'kekId', 'ek', 'k', 'info', 'contentId', 'expiration', 'lastUpdate']);
    expect(keyJson({ ...stored, expiration: new Date('2030-01-01T00:00:00.250Z') }, KEY)).toMatchObject({
      k: '00112233445566778899AABBCCDDEEFF',
      expiration: '2030-01-01T00:00:00.250Z',
    });
  });

  it('gives the value as hex with the kek, #ek without', () => {
    expect(keyValue(stored, KEY)).toBe('00112233445566778899AABBCCDDEEFF');
    expect(keyValue(stored, null)).toBe('#1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5');
  });

  it('writes times to the second unless they carry milliseconds', () => {
    expect(formatKeyTime(new Date('2021-09-22T22:42:48Z'))).toBe('2021-09-22T22:42:48Z');
    expect(formatKeyTime(new Date('2021-09-22T22:42:48.007Z'))).toBe('2021-09-22T22:42:48.007Z');
  });
});
