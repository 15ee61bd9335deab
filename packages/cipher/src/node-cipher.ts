import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  publicEncrypt,
  verify,
  type KeyObject,
} from 'node:crypto';
import type { NativeCipher, RsaKeyHandle } from './native-addon';

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
  rsaPublicKey(der) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    } catch {
      throw new RangeError('der is not an RSA public key (SubjectPublicKeyInfo DER)');
    }
    if (key.asymmetricKeyType !== 'rsa')
      throw new RangeError('der is not an RSA public key (SubjectPublicKeyInfo DER)');
    return key as unknown as RsaKeyHandle;
  },
  rsaPssVerify(handle, hash, data, signature) {
    if (hash !== 1 && hash !== 256 && hash !== 384) throw new RangeError('RSA-PSS needs hash 1, 256 or 384');
    const key = handle as unknown as KeyObject;
    const saltLength = hash === 1 ? 20 : hash / 8;
    try {
      return verify(`sha${hash}`, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
    } catch {
      return false;
    }
  },
  rsaOaepEncrypt(out, handle, data) {
    const key = handle as unknown as KeyObject;
    const bytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
    if (out.length < bytes || data.length + 42 > bytes) {
      throw new RangeError('RSA-OAEP needs room for the modulus and data at most 42 bytes shorter than it');
    }
    return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data).copy(out);
  },
};
