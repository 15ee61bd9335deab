import fc from 'fast-check';
import { clientChallenge } from '../testing/widevine/client';
import { pb, pssSign, unpb } from '../testing/widevine/test-pki';
import { createWorld, grant, type World } from '../testing/widevine/world';
import { WidevineRefusal, type SoftwareWidevineLicenser } from '.';

let world: World;
let licenser: SoftwareWidevineLicenser;
let clear: Buffer;
let privacy: Buffer;
beforeAll(async () => {
  world = await createWorld();
  licenser = world.licenser({ unknownDevices: 'L3' });
  clear = clientChallenge(world.devices.L1).challenge;
  privacy = clientChallenge(world.devices.L1, { serviceDrmCertificate: world.service.drmCertificate }).challenge;
}, 60_000);

/** Either a response or a WidevineRefusal with a catalogued code and a reason; never another exception. */
function survives(challenge: Buffer): void {
  try {
    const outcome = licenser.handle(challenge, grant());
    if (outcome instanceof Promise) throw new Error('unexpected promise');
    expect(outcome.body.length).toBeGreaterThan(0);
  } catch (error) {
    if (!(error instanceof WidevineRefusal)) throw error;
    expect([-4001, -7008]).toContain(error.code);
    expect(error.message).not.toMatch(/unexpected/);
  }
}

type Mutation =
  | { op: 'flip'; at: number; bits: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; count: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(input: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(input);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.op === 'flip') out[at] ^= m.bits;
    else if (m.op === 'truncate') out = out.subarray(0, at);
    else if (m.op === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
  }
  return out;
}

const budget = { interruptAfterTimeLimit: 1_500, numRuns: 2_000 };

describe('challenge parser fuzz (bounded)', () => {
  it('survives arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => survives(Buffer.from(bytes))),
      budget,
    );
  });

  it('survives mutated clear and privacy-mode challenges', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (usePrivacy, mutations) =>
        survives(mutate(usePrivacy ? privacy : clear, mutations)),
      ),
      budget,
    );
  });

  it('survives mutated license requests that are validly re-signed by the device', () => {
    const signed = unpb<any>('SignedMessage', clear);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const msg = mutate(signed.msg, mutations);
        survives(pb('SignedMessage', { type: 1, msg, signature: pssSign(world.devices.L1.keys.privateKey, msg) }));
      }),
      { ...budget, numRuns: 300 },
    );
  });
});
