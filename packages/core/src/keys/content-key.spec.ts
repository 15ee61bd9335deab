import { ExpressPlayError } from '../errors';
import { unwrapStoredKey } from './content-key';
import { aesKeyWrap } from './key-wrap';

const KEK = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function codeOf(run: () => unknown): { code: number; status: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ExpressPlayError) return { code: error.code, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected an ExpressPlayError');
}

describe('unwrapStoredKey', () => {
  it('recovers the content key the store holds wrapped', () => {
    expect(unwrapStoredKey(KEK, aesKeyWrap(KEK, KEY)).equals(KEY)).toBe(true);
  });

  it.each<[string, Buffer, Buffer]>([
    ['another kek', Buffer.alloc(16, 0x11), aesKeyWrap(KEK, KEY)],
    ['a corrupted ek', KEK, Buffer.concat([Buffer.alloc(1, 0), aesKeyWrap(KEK, KEY).subarray(1)])],
    ['a 32-byte key wrapped (content keys are 16 bytes)', KEK, aesKeyWrap(KEK, Buffer.concat([KEY, KEY]))],
    ['an empty ek', KEK, Buffer.alloc(0)],
    ['a 24-byte kek', Buffer.alloc(24, 1), aesKeyWrap(KEK, KEY)],
  ])('gives -4024 for %s, naming no key', (_label, kek, ek) => {
    const error = codeOf(() => unwrapStoredKey(kek, ek));
    expect(error).toMatchObject({ code: -4024, status: 400 });
    for (const secret of [kek, ek, KEY]) {
      if (secret.length > 0) expect(error.message.toLowerCase()).not.toContain(secret.toString('hex'));
    }
  });
});
