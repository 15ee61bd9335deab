import { ERROR_CATALOG, ExpressPlayError, isErrorCode } from '.';

describe('error catalog', () => {
  it('gives every code a 4xx/5xx status and a message', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(Number(code)).toBeLessThan(0);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.message.length).toBeGreaterThan(0);
    }
  });

  it('says why each unreachable code is unreachable', () => {
    for (const entry of Object.values(ERROR_CATALOG)) {
      if (entry.reachable === null) expect((entry as { unreachable?: string }).unreachable).toBeTruthy();
    }
  });

  it('renders ExpressPlay JSON errors', () => {
    const error = new ExpressPlayError(-2018, 'unknown account');
    expect(error.status).toBe(401);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: -2018,
      message: '[-2018] Authentication token invalid: unknown account',
    });
    expect(isErrorCode(-2018)).toBe(true);
    expect(isErrorCode(-1)).toBe(false);
  });
});
