import { parseFormBody, parseUrlEncoded, queryOf, requestParams } from './raw-params';

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

describe('form bodies (handed over as latin1: one character per byte)', () => {
  const latin1 = (bytes: number[]) => Buffer.from(bytes).toString('latin1');
  const ascii = (text: string) => [...Buffer.from(text, 'latin1')];

  it('reads raw UTF-8 bytes as UTF-8, as their %XX escapes would be', () => {
    expect(parseFormBody(latin1([...ascii('cookie='), 0xc3, 0xa9]))).toEqual([['cookie', 'é']]);
    expect(parseFormBody(latin1([...ascii('cookie='), 0xf0, 0x9f, 0x98, 0x80, ...ascii('&a=%C3%A9')]))).toEqual([
      ['cookie', '😀'],
      ['a', 'é'],
    ]);
  });

  it('turns bytes that are not UTF-8 into lone surrogates, which every rule refuses', () => {
    expect(parseFormBody(latin1([...ascii('cookie='), 0xff, 0xfe]))).toEqual([['cookie', '\udcff\udcfe']]);
    expect(parseFormBody(latin1([...ascii('cookie=a'), 0xe9]))).toEqual([['cookie', 'a\udce9']]);
  });

  it('is what requestParams reads a form body with', () => {
    expect(requestParams('/x?a=1', latin1([...ascii('cookie='), 0xc3, 0xa9]))).toEqual([
      ['a', '1'],
      ['cookie', 'é'],
    ]);
  });
});
