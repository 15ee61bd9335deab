import { timingSafeEqual } from 'node:crypto';
import { hmac } from '@openplay/cipher';

/**
 * The usage report a CDM may put in a release (`ExistingLicense.session_usage_table_entry`): OEMCrypto's PST report,
 * all integers big-endian:
 *
 * | offset | bytes | field                                                                             |
 * | ------ | ----- | --------------------------------------------------------------------------------- |
 * | 0      | 20    | HMAC-SHA1 of the rest, under the license's client MAC key                         |
 * | 20     | 1     | status: 0 unused, 1 active, 2 inactive, 3 inactive-used, 4 inactive-unused         |
 * | 21     | 1     | clock security level: 0 insecure, 1 secure timer, 2 secure clock, 3 hardware clock |
 * | 22     | 1     | PST length n                                                                      |
 * | 23     | 1     | padding                                                                           |
 * | 24     | 8     | seconds since the license was received (signed)                                   |
 * | 32     | 8     | seconds since the first decrypt (signed)                                          |
 * | 40     | 8     | seconds since the last decrypt (signed)                                           |
 * | 48     | n     | the provider session token                                                        |
 *
 * Only playback facts are read; nothing in it is key material.
 */

const HEADER_BYTES = 48;
const SIGNATURE_BYTES = 20;
const STATUSES = ['unused', 'active', 'inactive', 'inactive-used', 'inactive-unused'] as const;
const CLOCKS = ['insecure', 'secure-timer', 'secure-clock', 'hardware-secure-clock'] as const;
/** Statuses under which the decrypt times mean something (the others leave them at "never"). */
const USED = new Set<string>(['active', 'inactive', 'inactive-used']);

/** What a release's usage report says, for the audit row. */
export type WidevineUsageReport =
  | {
      /** The report's HMAC verified under the license's client MAC key. */
      readonly verified: true;
      /** One of STATUSES, or `unknown (<n>)`. */
      readonly status: string;
      readonly clockSecurityLevel: string;
      readonly secondsSinceLicenseReceived: number | null;
      /** Null when the key was never used to decrypt (or the report's clock says nonsense). */
      readonly secondsSinceFirstDecrypt: number | null;
      readonly secondsSinceLastDecrypt: number | null;
      /** Whether the report's provider session token is the license id's (an absent one is empty). */
      readonly pstMatches: boolean;
    }
  | {
      readonly verified: false;
      /** Why its facts are not recorded: too short, a length that disagrees with its PST length, a bad HMAC. */
      readonly problem: string;
    };

/**
 * Reads a PST report. A report that does not verify gives only `{ verified: false, problem }`: its numbers are not
 * the device's word. Never throws: a release is answered whatever its report says.
 */
export function readUsageReport(entry: Buffer, macKeyClient: Buffer, pst: Buffer | undefined): WidevineUsageReport {
  if (entry.length < HEADER_BYTES) {
    return { verified: false, problem: `${entry.length} bytes, shorter than the ${HEADER_BYTES}-byte report` };
  }
  const pstLength = entry[22];
  if (entry.length !== HEADER_BYTES + pstLength) {
    return { verified: false, problem: `${entry.length} bytes for a ${pstLength}-byte PST` };
  }
  const expected = hmac('sha1', macKeyClient, entry.subarray(SIGNATURE_BYTES));
  if (!timingSafeEqual(expected, entry.subarray(0, SIGNATURE_BYTES))) {
    return { verified: false, problem: "HMAC does not verify with the license's client MAC key" };
  }
  const status = STATUSES[entry[20]] ?? `unknown (${entry[20]})`;
  const received = seconds(entry, 24);
  let first = seconds(entry, 32);
  let last = seconds(entry, 40);
  // A never-used entry counts from time 0 (first decrypt "decades ago"): no decrypt happened.
  if (!USED.has(status) || received === null || first === null || first > received) first = last = null;
  else if (last === null || last > first) last = null;
  return {
    verified: true,
    status,
    clockSecurityLevel: CLOCKS[entry[21]] ?? `unknown (${entry[21]})`,
    secondsSinceLicenseReceived: received,
    secondsSinceFirstDecrypt: first,
    secondsSinceLastDecrypt: last,
    pstMatches: entry.subarray(HEADER_BYTES).equals(pst ?? Buffer.alloc(0)),
  };
}

/** A signed 64-bit count of seconds, or null when negative or beyond a safe integer. */
function seconds(entry: Buffer, at: number): number | null {
  const value = entry.readBigInt64BE(at);
  return value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}
