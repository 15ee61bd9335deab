import {
  ClearKeyRequestError,
  MAX_CLEAR_KEY_KIDS,
  MAX_CLEAR_KEY_MESSAGE_BYTES,
  interpretClearKeyMessage,
  parseClearKeyLicenseRequest,
  parseClearKeyMessage,
  type ClearKeyRefusalReason,
} from '.';

// Key IDs whose base64url and base64 spellings differ ('-' vs '+', '_' vs '/'), written out by hand.
const KID_A = Buffer.from('fb2a3c5e3b1c4f8a9d0e7b6c5a493827', 'hex');
const KID_A_URL = '-yo8XjscT4qdDntsWkk4Jw';
const KID_A_STD_PADDED = '+yo8XjscT4qdDntsWkk4Jw==';
const KID_B = Buffer.from('3e8bff2ce5f14c2ba4e3a1c9d00b7f15', 'hex');
const KID_B_URL = 'Pov_LOXxTCuk46HJ0At_FQ';

function refusal(fn: () => unknown): ClearKeyRefusalReason {
  try {
    fn();
  } catch (error) {
    if (error instanceof ClearKeyRequestError) return error.reason;
    throw error;
  }
  throw new Error('expected a ClearKeyRequestError');
}

describe('parseClearKeyMessage: license requests', () => {
  it("reads the bytes Chromium's Clear Key CDM sends", () => {
    // media/cdm/json_web_key.cc CreateLicenseRequest: JSONStringValueSerializer output, no spaces.
    const body = Buffer.from(`{"kids":["${KID_A_URL}","${KID_B_URL}"],"type":"temporary"}`, 'ascii');
    expect(parseClearKeyMessage(body)).toEqual({ kind: 'license-request', kids: [KID_A, KID_B], type: 'temporary' });
  });

  it('reads a persistent-license request and a string body', () => {
    const message = parseClearKeyLicenseRequest(`{"type":"persistent-license","kids":["${KID_B_URL}"]}`);
    expect(message.type).toBe('persistent-license');
    expect(message.kids).toEqual([KID_B]);
  });

  it('takes padded base64url and standard base64 (older Android clients)', () => {
    for (const spelling of [`${KID_A_URL}==`, KID_A_STD_PADDED, KID_A_STD_PADDED.slice(0, 22)]) {
      const message = parseClearKeyLicenseRequest(`{"kids":["${spelling}"],"type":"temporary"}`);
      expect(message.kids).toEqual([KID_A]);
    }
  });

  it('takes whitespace and ignores unknown members', () => {
    const body = `{\n  "kids" : [ "${KID_A_URL}" ],\r\n\t"type": "temporary", "extra": {"x": [1, 2]}\n}`;
    expect(parseClearKeyLicenseRequest(body).kids).toEqual([KID_A]);
  });

  it('accepts exactly MAX_CLEAR_KEY_KIDS distinct key IDs and refuses one more', () => {
    const kids = (count: number) =>
      Array.from({ length: count }, (_, i) => Buffer.alloc(16, i + 1).toString('base64url'));
    const at = parseClearKeyLicenseRequest(JSON.stringify({ kids: kids(MAX_CLEAR_KEY_KIDS), type: 'temporary' }));
    expect(at.kids).toHaveLength(MAX_CLEAR_KEY_KIDS);
    expect(at.kids[31]).toEqual(Buffer.alloc(16, 32));
    expect(refusal(() => parseClearKeyMessage(JSON.stringify({ kids: kids(33), type: 'temporary' })))).toBe(
      'too-many-kids',
    );
  });

  it('accepts an already parsed object', () => {
    expect(interpretClearKeyMessage({ kids: [KID_B_URL], type: 'temporary' })).toEqual({
      kind: 'license-request',
      kids: [KID_B],
      type: 'temporary',
    });
  });
});

describe('parseClearKeyMessage: license release', () => {
  it("recognises the release message (Chromium's CreateLicenseReleaseMessage: kids, no type)", () => {
    expect(parseClearKeyMessage(`{"kids":["${KID_A_URL}"]}`)).toEqual({ kind: 'license-release', kids: [KID_A] });
  });

  it('is refused where a license request is expected', () => {
    expect(refusal(() => parseClearKeyLicenseRequest(`{"kids":["${KID_A_URL}"]}`))).toBe('not-a-license-request');
  });
});

describe('parseClearKeyMessage: refusals', () => {
  const cases: [string, string | Buffer, ClearKeyRefusalReason][] = [
    ['empty body', '', 'not-json'],
    ['not JSON', 'kids=abc', 'not-json'],
    ['truncated JSON', `{"kids":["${KID_A_URL}"],"type":"tempor`, 'not-json'],
    ['a JSON array', `["${KID_A_URL}"]`, 'not-an-object'],
    ['JSON null', 'null', 'not-an-object'],
    ['a JSON string', '"kids"', 'not-an-object'],
    ['non-ASCII bytes', Buffer.from([0x7b, 0xc3, 0xa9, 0x7d]), 'not-ascii'],
    ['a NUL byte', `{"kids":["${KID_A_URL}"],"type":"temporary"}\0`, 'not-ascii'],
    ['no kids', '{"type":"temporary"}', 'kids-missing'],
    ['kids not an array', `{"kids":"${KID_A_URL}","type":"temporary"}`, 'kids-missing'],
    ['kids an object', `{"kids":{"0":"${KID_A_URL}","length":1},"type":"temporary"}`, 'kids-missing'],
    ['kids empty', '{"kids":[],"type":"temporary"}', 'kids-empty'],
    ['a number kid', '{"kids":[1],"type":"temporary"}', 'kid-not-string'],
    ['a null kid', '{"kids":[null],"type":"temporary"}', 'kid-not-string'],
    ['an empty kid', '{"kids":[""],"type":"temporary"}', 'kid-not-base64'],
    // 32 hex digits are valid base64 too, of 24 bytes.
    ['hex instead of base64', `{"kids":["${KID_A.toString('hex')}"],"type":"temporary"}`, 'kid-wrong-length'],
    ['mixed alphabets', '{"kids":["-yo8XjscT4qdDntsWkk4J/"],"type":"temporary"}', 'kid-not-base64'],
    ['one padding character', `{"kids":["${KID_A_URL}="],"type":"temporary"}`, 'kid-not-base64'],
    ['three padding characters', `{"kids":["${KID_A_URL}==="],"type":"temporary"}`, 'kid-not-base64'],
    ['padding in the middle', '{"kids":["-yo8XjscT4q=DntsWkk4Jw="],"type":"temporary"}', 'kid-not-base64'],
    ['non-zero trailing bits', '{"kids":["-yo8XjscT4qdDntsWkk4Jx"],"type":"temporary"}', 'kid-not-base64'],
    ['a very long kid', `{"kids":["${'A'.repeat(5000)}"],"type":"temporary"}`, 'kid-not-base64'],
    ['an 8-byte kid', '{"kids":["AQEBAQEBAQE"],"type":"temporary"}', 'kid-wrong-length'],
    ['a 17-byte kid', '{"kids":["AQEBAQEBAQEBAQEBAQEBAQE"],"type":"temporary"}', 'kid-wrong-length'],
    ['a repeated kid', `{"kids":["${KID_A_URL}","${KID_B_URL}","${KID_A_URL}"],"type":"temporary"}`, 'duplicate-kid'],
    ['a kid respelled', `{"kids":["${KID_A_URL}","${KID_A_STD_PADDED}"],"type":"temporary"}`, 'duplicate-kid'],
    ['type a number', `{"kids":["${KID_A_URL}"],"type":1}`, 'type-not-string'],
    ['type null', `{"kids":["${KID_A_URL}"],"type":null}`, 'type-not-string'],
    ['type unknown', `{"kids":["${KID_A_URL}"],"type":"persistent-usage-record"}`, 'unsupported-type'],
    ['type in another case', `{"kids":["${KID_A_URL}"],"type":"Temporary"}`, 'unsupported-type'],
    ['kids only inherited', `{"__proto__":{"kids":["${KID_A_URL}"]},"type":"temporary"}`, 'kids-missing'],
  ];

  it.each(cases)('%s', (_name, body, reason) => {
    expect(refusal(() => parseClearKeyMessage(body))).toBe(reason);
  });

  it('refuses an oversized body before decoding it', () => {
    const big = Buffer.alloc(MAX_CLEAR_KEY_MESSAGE_BYTES + 1, 0x20);
    expect(refusal(() => parseClearKeyMessage(big))).toBe('body-too-large');
    expect(refusal(() => parseClearKeyMessage(' '.repeat(MAX_CLEAR_KEY_MESSAGE_BYTES + 1)))).toBe('body-too-large');
  });

  it('refuses a huge array handed over already parsed, without reading its entries', () => {
    const reads: PropertyKey[] = [];
    const huge = new Proxy(new Array<unknown>(10_000_000), {
      get(target, property, receiver) {
        if (typeof property === 'string' && /^\d+$/.test(property)) reads.push(property);
        return Reflect.get(target, property, receiver);
      },
    });
    expect(refusal(() => interpretClearKeyMessage({ kids: huge, type: 'temporary' }))).toBe('too-many-kids');
    expect(reads).toEqual([]);
  });

  it('refuses deep nesting within the size limit', () => {
    const deep = `{"kids":${'['.repeat(8000)}${']'.repeat(8000)},"type":"temporary"}`;
    expect(deep.length).toBeLessThan(MAX_CLEAR_KEY_MESSAGE_BYTES);
    expect(refusal(() => parseClearKeyMessage(deep))).toBe('kid-not-string');
  });

  it('keeps the offending value out of the message', () => {
    const secretish = 'x!'.repeat(20);
    try {
      parseClearKeyMessage(`{"kids":["${secretish}"],"type":"temporary"}`);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(ClearKeyRequestError);
      expect((error as Error).message).not.toContain(secretish);
      expect((error as ClearKeyRequestError).details).toBe(
        'kids[0] mixes base64 alphabets or holds characters outside them',
      );
    }
  });
});
