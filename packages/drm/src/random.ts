import { randomFillSync } from 'node:crypto';

/** Bytes drawn per CSPRNG call: one call serves ~100 licenses or CKCs instead of one call each. */
const RANDOM_POOL_SIZE = 8192;
let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * `size` bytes from node:crypto's CSPRNG, served from a pool refilled 8 KiB at a time (as Node's randomUUID
 * caches). Each byte is handed out once; the result is a view into the pool, so callers copy what they keep
 * and must not write to it.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > RANDOM_POOL_SIZE) return randomFillSync(Buffer.allocUnsafe(size));
  if (poolAt + size > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(RANDOM_POOL_SIZE));
    poolAt = 0;
  }
  const bytes = pool.subarray(poolAt, poolAt + size);
  poolAt += size;
  return bytes;
}
