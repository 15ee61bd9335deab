import { parseUrlEncoded, queryOf, requestParams } from './raw-params';

describe('parseUrlEncoded', () => {
  it('keeps order and duplicates and decodes + and %XX', () => {
    expect(parseUrlEncoded('a=1&b=x+y&a=%2B60&c')).toEqual([
      ['a', '1'],
      ['b', 'x y'],
      ['a', '+60'],
      ['c', ''],
    ]);
  });

  it('never throws on malformed escapes or non-UTF-8 bytes', () => {
    expect(parseUrlEncoded('kid=%ZZ12&cookie=%ff%fe&x=%e2%82%ac%')).toEqual([
      ['kid', '%ZZ12'],
      ['cookie', '\udcff\udcfe'],
      ['x', '€%'],
    ]);
  });

  it('merges query then body', () => {
    expect(requestParams('/hms/wv/token?a=1', 'b=2&a=3')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
    ]);
    expect(queryOf('/x')).toBe('');
  });
});
