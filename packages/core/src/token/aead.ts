import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';

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

/*
 * A KeyObject per key: given a Buffer, every createCipheriv imports the key afresh; given a KeyObject, Node uses
 * the key it already holds. Keyed by the Buffer's identity (the key ring keeps one private Buffer per key), and
 * checked against a copy of its bytes so that a caller who reuses a Buffer for another key still gets that key.
 */
const keyObjects = new WeakMap<Buffer, { readonly bytes: Buffer; readonly key: KeyObject }>();

function keyObject(key: Buffer): KeyObject {
  const cached = keyObjects.get(key);
  if (cached !== undefined && cached.bytes.equals(key)) return cached.key;
  const entry = { bytes: Buffer.from(key), key: createSecretKey(key) };
  keyObjects.set(key, entry);
  return entry.key;
}

/** The default: node:crypto, one cipher object per call (Node offers no reusable GCM context). */
export const nodeCryptoTokenAead: TokenAead = {
  encryptInto(out, tag, key, iv, aad, plain) {
    const cipher = createCipheriv(GCM, keyObject(key), iv, GCM_OPTIONS);
    cipher.setAAD(aad);
    // GCM is a stream mode: update() returns every byte and final() none.
    cipher.update(plain).copy(out);
    cipher.final();
    cipher.getAuthTag().copy(tag);
  },
  decrypt(key, iv, aad, ciphertext, tag) {
    const decipher = createDecipheriv(GCM, keyObject(key), iv, GCM_OPTIONS);
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
