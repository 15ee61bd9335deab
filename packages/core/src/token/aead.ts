import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * The AES-256-GCM the token codec seals and opens with (32-byte key, 12-byte nonce, 16-byte tag). Core serves it
 * on node:crypto; an app may install a faster implementation at start-up with {@link useTokenAead} (the apps
 * install `@openplay/cipher`'s native addon when it loads). Core itself never loads native code.
 */
export interface TokenAead {
  /** Encrypts `plain` into `out` (which may be `plain` itself) and writes the 16-byte tag into `tag`. */
  encryptInto(out: Buffer, tag: Buffer, key: Buffer, iv: Buffer, aad: Buffer, plain: Buffer): void;
  /** The plaintext, or null when `tag` does not authenticate the input. */
  decrypt(key: Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer | null;
}

const GCM = 'aes-256-gcm';
const GCM_OPTIONS = { authTagLength: 16 } as const;

/**
 * The default: node:crypto, one cipher object per call (Node cannot re-key or re-IV a cipher object, so no context
 * can be shared), the ciphertext decrypted straight from the token's bytes with no concatenation. Caching a
 * KeyObject per key was measured and gained nothing on Node 20 (3.05 against 3.06 µs per decrypt): the Buffer
 * key is read in place either way.
 */
export const nodeCryptoTokenAead: TokenAead = {
  encryptInto(out, tag, key, iv, aad, plain) {
    const cipher = createCipheriv(GCM, key, iv, GCM_OPTIONS);
    cipher.setAAD(aad);
    // GCM is a stream mode: update() returns every byte and final() none.
    cipher.update(plain).copy(out);
    cipher.final();
    cipher.getAuthTag().copy(tag);
  },
  decrypt(key, iv, aad, ciphertext, tag) {
    const decipher = createDecipheriv(GCM, key, iv, GCM_OPTIONS);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const plain = decipher.update(ciphertext);
    try {
      decipher.final(); // throws unless the tag matches
    } catch {
      return null;
    }
    return plain;
  },
};

let installed: TokenAead = nodeCryptoTokenAead;

/**
 * Installs the AES-256-GCM the token codec uses from now on, process-wide; no argument restores node:crypto.
 * Called once at start-up, before the first token is sealed or opened.
 */
export function useTokenAead(aead: TokenAead = nodeCryptoTokenAead): void {
  if (typeof aead?.encryptInto !== 'function' || typeof aead.decrypt !== 'function') {
    throw new TypeError('useTokenAead: needs encryptInto and decrypt functions');
  }
  installed = aead;
}

/** The AES-256-GCM the token codec uses now. */
export function tokenAead(): TokenAead {
  return installed;
}
