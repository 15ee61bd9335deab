import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** Key ids are one byte in a token; 0 is never a key id. */
export const MIN_KEY_ID = 1;
export const MAX_KEY_ID = 255;
/** AES-256: 32 bytes, 64 hex digits. */
export const TOKEN_KEY_BYTES = 32;

/** One key of a ring, as handed to {@link createKeyRing}. */
export interface KeyRingEntry {
  readonly id: number;
  /** 32 bytes. The ring keeps its own copy; the caller may wipe its Buffer afterwards. */
  readonly key: Buffer;
}

let keyOf: (ring: KeyRing, id: number) => Buffer | undefined;

/**
 * The server's token keys. The first key seals new tokens; every key opens the tokens that name it,
 * so a new key goes first and an old one stays listed until the last token it sealed has expired.
 * The key material never leaves the ring: it lives in private copies (their own memory, not Node's shared
 * Buffer pool) that only the codec reads, and `inspect`, `JSON.stringify` and `toString` show only the ids.
 */
export class KeyRing {
  /** The id of the key that seals; the first entry of the ring. */
  readonly sealingKeyId: number;
  /** Every id, newest first. */
  readonly keyIds: readonly number[];
  readonly #keys: Array<Buffer | undefined>;

  static {
    keyOf = (ring, id) => ring.#keys[id];
  }

  private constructor(keyIds: readonly number[], keys: Array<Buffer | undefined>) {
    this.sealingKeyId = keyIds[0]!;
    this.keyIds = Object.freeze([...keyIds]);
    this.#keys = keys;
    Object.freeze(this);
  }

  /** @internal Use {@link createKeyRing} or {@link parseKeyRing}. */
  static fromEntries(entries: readonly KeyRingEntry[]): KeyRing {
    if (entries.length === 0) throw new Error('key ring: at least one key is needed');
    const keys = new Array<Buffer | undefined>(MAX_KEY_ID + 1).fill(undefined);
    const ids: number[] = [];
    entries.forEach(({ id, key }, index) => {
      const where = `key ring entry ${index + 1}`;
      if (!isKeyId(id)) throw new Error(`${where}: key id must be an integer ${MIN_KEY_ID}-${MAX_KEY_ID}`);
      if (keys[id] !== undefined) throw new Error(`${where}: key id ${id} is listed twice`);
      if (!Buffer.isBuffer(key) || key.length !== TOKEN_KEY_BYTES) {
        throw new Error(`${where}: key must be ${TOKEN_KEY_BYTES} bytes`);
      }
      const copy = Buffer.alloc(TOKEN_KEY_BYTES);
      key.copy(copy);
      keys[id] = copy;
      ids.push(id);
    });
    return new KeyRing(ids, keys);
  }

  has(id: number): boolean {
    return isKeyId(id) && this.#keys[id] !== undefined;
  }

  toJSON(): { sealingKeyId: number; keyIds: readonly number[] } {
    return { sealingKeyId: this.sealingKeyId, keyIds: this.keyIds };
  }

  toString(): string {
    return `KeyRing(${this.keyIds.join(',')})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** @internal The codec's access to a key; not exported from the package. */
export function ringKey(ring: KeyRing, id: number): Buffer | undefined {
  return keyOf(ring, id);
}

export function createKeyRing(entries: readonly KeyRingEntry[]): KeyRing {
  return KeyRing.fromEntries(entries);
}

const ENTRY = /^(\d{1,3}):([0-9a-fA-F]{64})$/;

/**
 * Parses `TOKEN_KEYS`: `<id>:<64 hex digits>` entries separated by commas, newest (the sealing key)
 * first; blanks around entries are ignored. Throws an Error with one line that names the entry by its
 * position and never repeats any of its text (a malformed entry may be key material).
 */
export function parseKeyRing(text: string): KeyRing {
  const format = `<id>:<${TOKEN_KEY_BYTES * 2} hex digits>`;
  if (typeof text !== 'string' || text.trim() === '') {
    throw new Error(`TOKEN_KEYS is empty: expected ${format}[,${format}...], newest first`);
  }
  const parts = text.split(',');
  const entries: KeyRingEntry[] = [];
  const seen = new Set<number>();
  parts.forEach((raw, index) => {
    const where = `TOKEN_KEYS entry ${index + 1} of ${parts.length}`;
    const match = ENTRY.exec(raw.trim());
    if (!match) throw new Error(`${where} is not ${format}`);
    const id = Number(match[1]);
    if (!isKeyId(id)) throw new Error(`${where}: key id must be an integer ${MIN_KEY_ID}-${MAX_KEY_ID}`);
    if (seen.has(id)) throw new Error(`${where}: key id ${id} is listed twice`);
    seen.add(id);
    entries.push({ id, key: Buffer.from(match[2], 'hex') });
  });
  try {
    return KeyRing.fromEntries(entries);
  } finally {
    for (const entry of entries) entry.key.fill(0);
  }
}

/** A fresh `<id>:<64 hex digits>` entry for `TOKEN_KEYS` (operators, development defaults, tests). */
export function generateKeyRingEntry(id: number): string {
  if (!isKeyId(id)) throw new Error(`key id must be an integer ${MIN_KEY_ID}-${MAX_KEY_ID}`);
  return `${id}:${randomBytes(TOKEN_KEY_BYTES).toString('hex')}`;
}

function isKeyId(id: number): boolean {
  return Number.isInteger(id) && id >= MIN_KEY_ID && id <= MAX_KEY_ID;
}
