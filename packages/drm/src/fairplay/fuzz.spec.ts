/**
 * Bounded fuzzing of the SPC parser: whatever the bytes, only ExpressPlayError may escape
 * (-6004 malformed, -4001 unauthenticated). Runs are bounded so the file finishes in a few seconds.
 */
import fc from 'fast-check';
import { ExpressPlayError } from '@openplay/core';
import { DEV_DASK, SPC_FILES, devKsm, fixture, policy } from '../../test/fixtures/fairplay/fixtures';
import { encodeSpc } from '../testing';
import { decryptSpcPayload, parseSpcPayload, parseTllvs } from '.';

const ksm = devKsm();
const grant = { contentKey: Buffer.alloc(16, 7), iv: Buffer.alloc(16, 8), policy: policy(60, 'Rental') };
const spcs = SPC_FILES.map((file) => fixture(file));
const payloads = spcs.map((spc) => {
  const opened = ksm.openSpc(spc);
  return decryptSpcPayload(opened.container, opened.spck);
});

/** Runs `fn`; true when it returns or throws an ExpressPlayError with a catalogued FairPlay code. */
function onlyExpressPlayErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (error instanceof ExpressPlayError && (error.code === -6004 || error.code === -4001)) return true;
    throw error;
  }
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'u32'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('u32' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 15, 16, 17, 0x7fffffff, 0xffffffff), fc.nat({ max: 0xffffffff })),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 32 }) }),
);

function mutate(input: Buffer, mutations: readonly Mutation[], aligned = false): Buffer {
  let out = Buffer.from(input);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    switch (m.kind) {
      case 'flip':
        out[at] ^= 1 << m.bit;
        break;
      case 'u32': {
        // Aligned writes hit TLLV header fields (tag, block length, value length) of the payload.
        const where = aligned ? at - (at % 4) : at;
        if (where + 4 <= out.length) out.writeUInt32BE(m.value >>> 0, where);
        break;
      }
      case 'truncate':
        out = out.subarray(0, at);
        break;
      case 'insert':
        out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes), out.subarray(at)]);
        break;
      case 'delete':
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
        break;
    }
  }
  return out;
}

const blockAligned = (payload: Buffer) =>
  payload.length % 16 === 0 ? payload : Buffer.concat([payload, Buffer.alloc(16 - (payload.length % 16))]);

describe('SPC parser fuzzing (bounded)', () => {
  it('random bytes: only ExpressPlayError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) =>
        onlyExpressPlayErrors(() => ksm.createCkcSync(Buffer.from(bytes), grant)),
      ),
      { numRuns: 1000 },
    );
  });

  it('random bytes behind a valid v1 header: only ExpressPlayError', () => {
    const header = spcs[1].subarray(0, 172);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.nat({ max: 600 }), (bytes, length) => {
        const spc = Buffer.concat([header, Buffer.alloc(4), Buffer.from(bytes)]);
        spc.writeUInt32BE(length, 172);
        return onlyExpressPlayErrors(() => ksm.createCkcSync(spc, grant));
      }),
      { numRuns: 200 },
    );
  });

  it('mutations of Apple’s SPCs: only ExpressPlayError', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: spcs.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (index, mutations) => onlyExpressPlayErrors(() => ksm.createCkcSync(mutate(spcs[index], mutations), grant)),
      ),
      { numRuns: 1000 },
    );
  });

  it('mutations of Apple’s decrypted payloads (TLLV layer): only ExpressPlayError', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: payloads.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (index, mutations) => {
          const mutated = mutate(payloads[index], mutations, true);
          return (
            onlyExpressPlayErrors(() => parseTllvs(mutated)) && onlyExpressPlayErrors(() => parseSpcPayload(mutated))
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('mutated payloads re-encrypted under the real keys, through the whole KSM: only ExpressPlayError', () => {
    const certificate = fixture('credentials/dev_certificate.der');
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (mutations, playing) => {
        const spc = encodeSpc({
          certificate,
          dask: DEV_DASK,
          playbackState: playing ? { creationDate: 1, state: 0xf4dee5a2 } : undefined,
          transformPayload: (payload) => blockAligned(mutate(payload, mutations, true)),
        });
        return onlyExpressPlayErrors(() => ksm.createCkcSync(spc, grant));
      }),
      { numRuns: 500 },
    );
  });
});
