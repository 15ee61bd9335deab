import { stringKid } from './kid';

describe('stringKid', () => {
  it.each([
    // The key storage documentation's example: ^kid1.
    ['kid1', '80ea8bc8a58f990ad1f76bc665b30bfa'],
    // SHA-1("abc") = a9993e364706816aba3e25717850c26c9cd0d89d, first 16 bytes.
    ['abc', 'a9993e364706816aba3e25717850c26c'],
    // SHA-1("") = da39a3ee5e6b4b0d3255bfef95601890afd80709 (the parser refuses empty names; the function need not).
    ['', 'da39a3ee5e6b4b0d3255bfef95601890'],
  ])('maps %j to %s', (name, kid) => {
    expect(stringKid(name).toString('hex')).toBe(kid);
  });

  it('returns 16 bytes and does not hash a leading ^ away', () => {
    expect(stringKid('^kid1')).toHaveLength(16);
    expect(stringKid('^kid1').equals(stringKid('kid1'))).toBe(false);
  });
});
