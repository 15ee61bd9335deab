import { createHash } from 'node:crypto';
import { aes128 } from './spc';

/** What a DASk provider may look at. `certificateHash` tells which credential set the SPC was made for. */
export interface DaskContext {
  /** The SPC's R2 TLLV value (21 bytes for FPS v1). */
  readonly r2: Buffer;
  /** SHA-1 of the application certificate's DER (20 bytes). */
  readonly certificateHash: Buffer;
  /** SPC container version: 1 (1024-bit certificate) or 2 (2048-bit). */
  readonly spcVersion: 1 | 2;
}

/**
 * Supplies the DASk that opens an SPC's [SK..R1]. Pluggable so a deployment can derive it in an HSM or a
 * vendor library. Must return 16 bytes; any exception it throws fails the request with -6004.
 */
export interface DaskProvider {
  deriveDask(context: DaskContext): Buffer;
}

const C_R_PRIME = 813416437;

/** The "C_r" mix of the D function: 16 rounds of a Collatz-like step modulo a prime. */
function mix(x: number): number {
  let v = x >>> 0;
  for (let round = 0; round < 16; round++) {
    if (v & 1) {
      v = v >>> 1;
    } else {
      // (3v + 1) mod 2^32, then mod the prime; 3v+1 < 2^34 is exact in a double.
      v = (((3 * v + 1) % 0x100000000) % C_R_PRIME) >>> 0;
    }
  }
  return v;
}

/**
 * First step of the published D function (Apple's `DFunction.py`):
 * the 16-byte hash of R2 that is then AES-128-ECB encrypted with the ASk.
 */
export function dFunctionHash(r2: Buffer): Buffer {
  if (r2.length < 1 || r2.length > 55) throw new RangeError('R2 must be 1 to 55 bytes');
  const pad = Buffer.alloc(64);
  r2.copy(pad, 0);
  pad[r2.length] = 0x80;
  let a = 0;
  let b = 0;
  for (let i = 0; i < 7; i++) a = (a + pad.readUInt32BE(4 * i)) >>> 0;
  for (let i = 7; i < 14; i++) b = (b + pad.readUInt32BE(4 * i)) >>> 0;
  pad.writeUInt32LE(mix(a), 56);
  pad.writeUInt32LE(mix(b), 60);
  return createHash('sha1').update(pad).digest().subarray(0, 16);
}

/** DASk = AES-128-ECB(ASk, dFunctionHash(R2)). */
export function deriveDaskFromAsk(r2: Buffer, ask: Buffer): Buffer {
  return aes128('ecb', 'encrypt', ask, null, dFunctionHash(r2));
}

function requireKey16(name: string, key: Buffer): Buffer {
  if (!Buffer.isBuffer(key) || key.length !== 16) throw new RangeError(`${name} must be 16 bytes`);
  return Buffer.from(key); // own copy: the caller's buffer may be reused
}

/** The production provider: the published D function with the deployment's ASk. Results are cached per R2. */
export class AskDaskProvider implements DaskProvider {
  readonly #ask: Buffer;
  readonly #cache = new Map<string, Buffer>();
  static readonly CACHE_SIZE = 1024;

  constructor(ask: Buffer) {
    this.#ask = requireKey16('ASk', ask);
  }

  deriveDask({ r2 }: DaskContext): Buffer {
    const id = r2.toString('hex');
    const hit = this.#cache.get(id);
    if (hit) return hit;
    const dask = deriveDaskFromAsk(r2, this.#ask);
    if (this.#cache.size >= AskDaskProvider.CACHE_SIZE) {
      this.#cache.delete(this.#cache.keys().next().value as string);
    }
    this.#cache.set(id, dask);
    return dask;
  }

  toJSON(): string {
    return 'AskDaskProvider';
  }
}

/** A fixed DASk, e.g. Apple's development DASk for the SDK test vectors (which bypass the D function). */
export class FixedDaskProvider implements DaskProvider {
  readonly #dask: Buffer;

  constructor(dask: Buffer) {
    this.#dask = requireKey16('DASk', dask);
  }

  deriveDask(): Buffer {
    return this.#dask;
  }

  toJSON(): string {
    return 'FixedDaskProvider';
  }
}
