import { redactUrl } from './redact';

describe('redactUrl', () => {
  it('hides authenticators, keys and tokens and keeps the rest', () => {
    expect(
      redactUrl(
        '/hms/wv/token?customerAuthenticator=123%2Cabc&kid=^x&contentKey=00ff&kek=11&ek=22&securityLevel=1&cookie=c',
      ),
    ).toBe(
      '/hms/wv/token?customerAuthenticator=[redacted]&kid=^x&contentKey=[redacted]&kek=[redacted]&ek=[redacted]&securityLevel=1&cookie=c',
    );
    expect(redactUrl('/hms/fp/rights/?ExpressPlayToken=AQE-_x')).toBe('/hms/fp/rights/?ExpressPlayToken=[redacted]');
    expect(redactUrl('/keystore/keys/abc?k=1&kek=2')).toBe('/keystore/keys/abc?k=[redacted]&kek=[redacted]');
  });

  it('leaves parameters that only start like a secret alone', () => {
    expect(redactUrl('/x?kids=1&keks=2')).toBe('/x?kids=1&keks=2');
    expect(redactUrl('/health')).toBe('/health');
  });
});

describe('redactUrl whatever the spelling on the wire', () => {
  const AUTH = '201722%2C1ad8eed133edf43cbcc185f0236828ae';
  const KEY = '00112233445566778899aabbccddeeff';

  it.each([
    [
      'percent-encoded names',
      `/hms/wv/token?customer%41uthenticator=${AUTH}&content%4Bey=${KEY}&kid=^x`,
      `/hms/wv/token?customer%41uthenticator=[redacted]&content%4Bey=[redacted]&kid=^x`,
    ],
    ['an encoded kek name', `/hms/wv/token?%6Bek=${KEY}&ek=1`, '/hms/wv/token?%6Bek=[redacted]&ek=[redacted]'],
    [
      'an encoded token name',
      '/hms/fp/rights/?ExpressPlay%54oken=AQE-_x',
      '/hms/fp/rights/?ExpressPlay%54oken=[redacted]',
    ],
    ['double encoding', `/x?%256Bek=${KEY}&content%254Bey=${KEY}`, '/x?%256Bek=[redacted]&content%254Bey=[redacted]'],
    [
      'another case',
      `/x?KEK=${KEY}&CustomerAuthenticator=${AUTH}&expressplaytoken=t`,
      '/x?KEK=[redacted]&CustomerAuthenticator=[redacted]&expressplaytoken=[redacted]',
    ],
    ['a + before the name', `/x?+kek=${KEY}&%20ek=1`, '/x?+kek=[redacted]&%20ek=[redacted]'],
    [
      '; as a separator',
      `/x?cookie=a;kek=${KEY};contentKey=${KEY}`,
      '/x?cookie=a;kek=[redacted];contentKey=[redacted]',
    ],
    [
      'a name repeated',
      `/x?kek=${KEY}&kek=${KEY}&k=1&k=2`,
      '/x?kek=[redacted]&kek=[redacted]&k=[redacted]&k=[redacted]',
    ],
    ['array-style names', `/x?kek[]=${KEY}&contentKey.0=${KEY}`, '/x?kek[]=[redacted]&contentKey.0=[redacted]'],
    ['a whole pair encoded into a name', `/x?customerAuthenticator%3D${AUTH}&a=1`, '/x?[redacted]&a=1'],
    ['a pair hidden in a value', `/x?cookie=c%26kek%3D${KEY}&a=1`, '/x?cookie=[redacted]&a=1'],
    ['a name that does not decode', `/x?kek%ZZ=${KEY}&a=1`, '/x?[redacted]&a=1'],
    ['a value that does not decode', `/x?cookie=%E0%A4%A&a=1`, '/x?cookie=[redacted]&a=1'],
    ['a name encoded five times', `/x?${'%25'.repeat(4)}6Bek=${KEY}`, '/x?[redacted]'],
    [
      'a key store path holding a pair',
      `/keystore/keys/${KEY}%3Fkek%3D${KEY}/value?a=1`,
      '/keystore/keys/[redacted]/value?a=1',
    ],
    ['a path with ;kek=', `/keystore/keys/${KEY};kek=${KEY}`, '/keystore/keys/[redacted]'],
    ['a path that does not decode', '/keystore/keys/%ZZ', '/keystore/keys/[redacted]'],
  ])('hides secrets given by %s', (_label, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    expect(redactUrl(url)).not.toContain(KEY);
    expect(redactUrl(url)).not.toContain('1ad8eed1');
  });

  it('keeps what is not secret as it was sent', () => {
    for (const url of [
      '/keystore/keys/%5Emy%20name,b366360da82e9c6e0b0984002a362cf2?limit=10&after=%5Ea',
      '/hms/wv/token?kid=%5Ex&cookie=caf%C3%A9&expirationTime=+60&wvExtension=wudo,AA%3D%3D&kekId=%231.AB&kids=1',
      '/cmiapi/getrecord/?start=0&length=10',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});
