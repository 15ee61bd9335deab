import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { NativeCipher } from './native-addon';

const ZERO_IV = Buffer.alloc(16);

/** The addon's contract on node:crypto: what runs when OPENPLAY_NATIVE=off, and what tests compare the addon with. */
export const nodeCipher: NativeCipher = {
  aes(out, mode, encrypt, key, iv, data) {
    const algorithm = `aes-${key.length * 8}-${mode === 1 ? 'cbc' : 'ecb'}`;
    const cipher = encrypt
      ? createCipheriv(algorithm, key, mode === 1 ? iv : null)
      : createDecipheriv(algorithm, key, mode === 1 ? iv : null);
    // Whole blocks without padding: update() returns them all, and final() would add nothing.
    cipher.setAutoPadding(false).update(data).copy(out);
  },
  cbcMac(out, key, data) {
    const cipher = createCipheriv('aes-128-cbc', key, ZERO_IV).setAutoPadding(false);
    const encrypted = cipher.update(data);
    encrypted.copy(out, 0, encrypted.length - 16);
  },
  gcm(out, encrypt, key, iv, aad, data, tag) {
    if (encrypt) {
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
      cipher.setAAD(aad);
      cipher.update(data).copy(out);
      cipher.final();
      cipher.getAuthTag().copy(tag);
      return true;
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = decipher.update(data);
    try {
      decipher.final();
    } catch {
      return false;
    }
    plain.copy(out);
    return true;
  },
  hmac(out, hash, key, data) {
    createHmac(hash === 1 ? 'sha1' : `sha${hash}`, key)
      .update(data)
      .digest()
      .copy(out);
  },
};
