import { ExpressPlayError } from '../errors';
import { fitsSafeText, safeText } from './values';

describe('safeText and fitsSafeText: one rule for free text', () => {
  const emoji = '\u{1F3AC}';
  it.each([
    ['plain text', 'device-7', true],
    ['32 characters', 'x'.repeat(32), true],
    ['33 characters', 'x'.repeat(33), false],
    ['32 characters outside the BMP (64 UTF-16 units)', emoji.repeat(32), true],
    ['33 characters outside the BMP', emoji.repeat(33), false],
    ['a C0 control', 'a\u0001b', false],
    ['a C1 control', 'a\u0085b', false],
    ['a lone UTF-16 half', 'a\ud800b', false],
  ])('%s: fits is %s, and safeText agrees', (_name, value, fits) => {
    expect(fitsSafeText(value, 32)).toBe(fits);
    if (fits) expect(safeText(value, 32, 'cookie', -2033)).toBe(value);
    else expect(() => safeText(value, 32, 'cookie', -2033)).toThrow(ExpressPlayError);
  });

  it('says which rule a refused value broke, without scanning an over-long one', () => {
    expect(() => safeText('a\u0001b', 32, 'cookie', -2033)).toThrow(/cookie must not contain control characters/);
    expect(() => safeText('x'.repeat(33), 32, 'cookie', -2033)).toThrow(/cookie must be at most 32 characters/);
    expect(() => safeText(`${'x'.repeat(70)}\u0001`, 32, 'cookie', -2033)).toThrow(
      /cookie must be at most 32 characters/,
    );
  });
});
