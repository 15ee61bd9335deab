import { buildClearKeyLicense, buildClearKeyReleaseAcknowledgement, parseClearKeyLicenseRequest } from '.';

const KID_A = Buffer.from('fb2a3c5e3b1c4f8a9d0e7b6c5a493827', 'hex');
const KEY_A = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const KID_B = Buffer.from('3e8bff2ce5f14c2ba4e3a1c9d00b7f15', 'hex');
const KEY_B = Buffer.from('c0ffee00c0ffee00c0ffee00c0ffee00', 'hex');
const KID_C = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

describe('buildClearKeyLicense', () => {
  it('answers a request with the JSON Web Key Set, unpadded base64url, in request order', () => {
    const request = parseClearKeyLicenseRequest(
      '{"kids":["Pov_LOXxTCuk46HJ0At_FQ","-yo8XjscT4qdDntsWkk4Jw"],"type":"temporary"}',
    );
    const license = buildClearKeyLicense(request.kids, [
      { kid: KID_A, key: KEY_A },
      { kid: KID_B, key: KEY_B },
    ]);
    expect(license.body).toBe(
      '{"keys":[' +
        '{"kty":"oct","kid":"Pov_LOXxTCuk46HJ0At_FQ","k":"wP_uAMD_7gDA_-4AwP_uAA"},' +
        '{"kty":"oct","kid":"-yo8XjscT4qdDntsWkk4Jw","k":"ABEiM0RVZneImaq7zN3u_w"}' +
        '],"type":"temporary"}',
    );
    expect(license.granted).toEqual([KID_B, KID_A]);
    expect(license.notGranted).toEqual([]);
  });

  it('answers only the requested key IDs the grant holds and names the others', () => {
    const license = buildClearKeyLicense(
      [KID_C, KID_A],
      [
        { kid: KID_A, key: KEY_A },
        { kid: KID_B, key: KEY_B },
      ],
      'persistent-license',
    );
    const parsed = JSON.parse(license.body) as { keys: { kid: string; k: string }[]; type: string };
    expect(parsed.type).toBe('persistent-license');
    expect(parsed.keys.map((jwk) => Buffer.from(jwk.kid, 'base64url'))).toEqual([KID_A]);
    expect(Buffer.from(parsed.keys[0].k, 'base64url')).toEqual(KEY_A);
    // KEY_B was granted but not requested: it must not leave the server.
    expect(license.body).not.toContain(KEY_B.toString('base64url'));
    expect(license.granted).toEqual([KID_A]);
    expect(license.notGranted).toEqual([KID_C]);
  });

  it('takes a map keyed by hex key ID in either case', () => {
    const available = new Map([
      [KID_A.toString('hex').toUpperCase(), KEY_A],
      [KID_B.toString('hex'), KEY_B],
    ]);
    const license = buildClearKeyLicense([KID_A, KID_B], available);
    expect(license.granted).toEqual([KID_A, KID_B]);
    expect(license.body).toContain('"k":"ABEiM0RVZneImaq7zN3u_w"');
  });

  it('grants nothing when the grant holds none of the requested key IDs', () => {
    const license = buildClearKeyLicense([KID_C], [{ kid: KID_A, key: KEY_A }]);
    expect(license.body).toBe('{"keys":[],"type":"temporary"}');
    expect(license.granted).toEqual([]);
    expect(license.notGranted).toEqual([KID_C]);
  });

  it('returns copies, so a caller mutating them cannot change the body it already has', () => {
    const requested = Buffer.from(KID_A);
    const license = buildClearKeyLicense([requested], [{ kid: KID_A, key: KEY_A }]);
    requested.fill(0);
    expect(license.granted[0]).toEqual(KID_A);
  });

  it('throws a RangeError naming no key material for a malformed grant', () => {
    expect(() => buildClearKeyLicense([KID_A], [{ kid: KID_A, key: KEY_A.subarray(0, 15) }])).toThrow(
      new RangeError('a granted Clear Key content key must be 16 bytes'),
    );
    expect(() => buildClearKeyLicense([KID_A], [{ kid: KID_A.subarray(1), key: KEY_A }])).toThrow(RangeError);
    expect(() => buildClearKeyLicense([KID_A], new Map([['not-hex', KEY_A]]))).toThrow(RangeError);
  });
});

describe('buildClearKeyReleaseAcknowledgement', () => {
  it('echoes the released key IDs as {"kids":[...]}', () => {
    expect(buildClearKeyReleaseAcknowledgement([KID_A, KID_B])).toBe(
      '{"kids":["-yo8XjscT4qdDntsWkk4Jw","Pov_LOXxTCuk46HJ0At_FQ"]}',
    );
  });
});
