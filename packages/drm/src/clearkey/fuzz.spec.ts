/**
 * Property tests of the Clear Key parser on hostile input: whatever arrives, it returns a well-formed message or
 * throws a ClearKeyRequestError, never anything else. Runs are bounded so the file takes a few seconds.
 */
import fc from 'fast-check';
import {
  ClearKeyRequestError,
  MAX_CLEAR_KEY_KIDS,
  buildClearKeyLicense,
  interpretClearKeyMessage,
  parseClearKeyMessage,
  type ClearKeyMessage,
} from '.';

/** The message, or null when refused with a typed error; anything else is rethrown and fails the property. */
function outcome(fn: () => ClearKeyMessage): ClearKeyMessage | null {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ClearKeyRequestError) return null;
    throw error;
  }
}

function wellFormed(message: ClearKeyMessage): boolean {
  const hex = message.kids.map((kid) => kid.toString('hex'));
  return (
    message.kids.length >= 1 &&
    message.kids.length <= MAX_CLEAR_KEY_KIDS &&
    message.kids.every((kid) => Buffer.isBuffer(kid) && kid.length === 16) &&
    new Set(hex).size === hex.length &&
    (message.kind === 'license-release' || message.type === 'temporary' || message.type === 'persistent-license')
  );
}

const kid = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes));
const distinctKids = fc.uniqueArray(kid, {
  minLength: 1,
  maxLength: MAX_CLEAR_KEY_KIDS,
  selector: (k) => k.toString('hex'),
});

type Spelling = 'url' | 'url-padded' | 'standard' | 'standard-padded';
function spell(bytes: Buffer, spelling: Spelling): string {
  const url = bytes.toString('base64url');
  const standard = bytes.toString('base64').replace(/=+$/, '');
  switch (spelling) {
    case 'url':
      return url;
    case 'url-padded':
      return `${url}==`;
    case 'standard':
      return standard;
    case 'standard-padded':
      return `${standard}==`;
  }
}
const spelling = fc.constantFrom<Spelling>('url', 'url-padded', 'standard', 'standard-padded');

/** A kids entry that is sometimes valid, sometimes near-valid, sometimes anything at all. */
const kidEntry: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(kid, spelling).map(([bytes, s]) => spell(bytes, s)),
  fc.tuple(kid, spelling, fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([bytes, s, at, junk]) => {
    const text = spell(bytes, s);
    const i = at % (text.length + 1);
    return text.slice(0, i) + junk + text.slice(i);
  }),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
  fc.string({ maxLength: 80 }),
  fc.anything(),
);

const requestLike = fc.record(
  {
    kids: fc.oneof(fc.array(kidEntry, { maxLength: 40 }), fc.anything()),
    type: fc.oneof(fc.constantFrom('temporary', 'persistent-license', 'persistent-usage-record', ''), fc.anything()),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('Clear Key parser on hostile input', () => {
  it('arbitrary bytes: a well-formed message or a ClearKeyRequestError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const message = outcome(() => parseClearKeyMessage(bytes));
        return message === null || wellFormed(message);
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary JSON text: a well-formed message or a ClearKeyRequestError', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        const message = outcome(() => parseClearKeyMessage(text));
        return message === null || wellFormed(message);
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary values already parsed: a well-formed message or a ClearKeyRequestError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), requestLike), (value) => {
        const message = outcome(() => interpretClearKeyMessage(value));
        return message === null || wellFormed(message);
      }),
      { numRuns: 2000 },
    );
  });

  it('request-shaped JSON with near-valid key IDs: a well-formed message or a ClearKeyRequestError', () => {
    fc.assert(
      fc.property(requestLike, (value) => {
        let text: string;
        try {
          text = JSON.stringify(value) ?? 'undefined';
        } catch {
          return true; // fc.anything() can make values JSON.stringify itself refuses (BigInt)
        }
        const message = outcome(() => parseClearKeyMessage(text));
        return message === null || wellFormed(message);
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid request with characters inserted, deleted or replaced: never an untyped error', () => {
    const validRequest = fc
      .tuple(distinctKids, spelling)
      .map(([kids, s]) => JSON.stringify({ kids: kids.map((k) => spell(k, s)), type: 'temporary' }));
    fc.assert(
      fc.property(validRequest, fc.nat(), fc.nat({ max: 4 }), fc.string({ maxLength: 4 }), (text, at, drop, insert) => {
        const i = at % (text.length + 1);
        const mutated = text.slice(0, i) + insert + text.slice(i + drop);
        const message = outcome(() => parseClearKeyMessage(mutated));
        return message === null || wellFormed(message);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Clear Key round trips', () => {
  it('any distinct key IDs in any accepted spelling parse back to the same bytes, in order', () => {
    fc.assert(
      fc.property(distinctKids, fc.array(spelling, { minLength: 32, maxLength: 32 }), (kids, spellings) => {
        const body = JSON.stringify({ kids: kids.map((k, i) => spell(k, spellings[i])), type: 'temporary' });
        const message = parseClearKeyMessage(Buffer.from(body));
        expect(message).toEqual({ kind: 'license-request', kids, type: 'temporary' });
      }),
      { numRuns: 300 },
    );
  });

  it('the license answers exactly the requested key IDs that are granted, each with its own key', () => {
    const pairs = fc.uniqueArray(fc.tuple(kid, kid), { maxLength: 8, selector: ([k]) => k.toString('hex') });
    fc.assert(
      fc.property(distinctKids, pairs, fc.nat(), (requested, extra, overlap) => {
        // Grant some of the requested key IDs plus unrelated ones.
        const shared = requested.slice(0, overlap % (requested.length + 1));
        const requestedHex = new Set(requested.map((k) => k.toString('hex')));
        const grant = [
          ...shared.map((k) => ({ kid: k, key: Buffer.from(k).reverse() })),
          ...extra.filter(([k]) => !requestedHex.has(k.toString('hex'))).map(([k, key]) => ({ kid: k, key })),
        ];
        const license = buildClearKeyLicense(requested, grant);
        const body = JSON.parse(license.body) as { keys: { kty: string; kid: string; k: string }[] };
        expect(body.keys.map((jwk) => jwk.kid)).toEqual(shared.map((k) => k.toString('base64url')));
        for (const jwk of body.keys) {
          expect(jwk.kty).toBe('oct');
          expect(Buffer.from(jwk.k, 'base64url')).toEqual(Buffer.from(Buffer.from(jwk.kid, 'base64url')).reverse());
          expect(jwk.k).not.toContain('=');
        }
        expect(license.granted).toEqual(shared);
        expect(license.notGranted).toEqual(requested.slice(shared.length));
      }),
      { numRuns: 300 },
    );
  });
});
