import {
  MAX_ACCOUNT_NAME_CHARS,
  MAX_AUTHENTICATOR_ID,
  MAX_AUTHENTICATOR_LABEL_CHARS,
  MAX_CREDITS,
} from './account-limits';

describe('account limits', () => {
  it('keeps every balance exact as a JSON number', () => {
    expect(MAX_CREDITS).toBeLessThanOrEqual(BigInt(Number.MAX_SAFE_INTEGER));
    expect(BigInt(Number(MAX_CREDITS))).toBe(MAX_CREDITS);
    expect(String(MAX_CREDITS)).toBe('9'.repeat(15));
  });

  it('bounds authenticator ids by a PostgreSQL integer', () => {
    expect(MAX_AUTHENTICATOR_ID).toBe(2 ** 31 - 1);
  });

  it('bounds the texts an operator types', () => {
    expect([MAX_ACCOUNT_NAME_CHARS, MAX_AUTHENTICATOR_LABEL_CHARS]).toEqual([200, 100]);
  });
});
