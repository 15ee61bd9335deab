import { redactUrl } from './redact';

describe('redactUrl', () => {
  it('hides authenticators, keys and tokens and keeps the rest', () => {
    expect(
      redactUrl('/hms/wv/token?customerAuthenticator=123%2Cabc&kid=^x&contentKey=00ff&kek=11&ek=22&securityLevel=1&cookie=c'),
    ).toBe('/hms/wv/token?customerAuthenticator=[redacted]&kid=^x&contentKey=[redacted]&kek=[redacted]&ek=[redacted]&securityLevel=1&cookie=c');
    expect(redactUrl('/hms/fp/rights/?ExpressPlayToken=AQE-_x')).toBe('/hms/fp/rights/?ExpressPlayToken=[redacted]');
    expect(redactUrl('/keystore/keys/abc?k=1&kek=2')).toBe('/keystore/keys/abc?k=[redacted]&kek=[redacted]');
  });

  it('leaves parameters that only start like a secret alone', () => {
    expect(redactUrl('/x?kids=1&keks=2')).toBe('/x?kids=1&keks=2');
    expect(redactUrl('/health')).toBe('/health');
  });
});
