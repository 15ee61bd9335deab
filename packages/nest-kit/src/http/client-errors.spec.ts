import { refusalOf, requestTargetOf } from './client-errors';

const packet = (text: string) => Buffer.from(text, 'latin1');

describe('refusalOf', () => {
  it('tells a request line over the limit (414) from a head over it (431)', () => {
    const longUrl = packet(`GET /x?a=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: h\r\n\r\n`);
    expect(refusalOf('HPE_HEADER_OVERFLOW', longUrl, 16_384).status).toBe(414);
    // The line does not end in the chunk at all: it is the URL that overflowed.
    expect(refusalOf('HPE_HEADER_OVERFLOW', packet(`GET /x?a=${'a'.repeat(60_000)}`), 16_384).status).toBe(414);
    expect(refusalOf('HPE_HEADER_OVERFLOW', packet(`GET /x HTTP/1.1\r\nX: ${'a'.repeat(60_000)}`), 16_384).status).toBe(
      431,
    );
    // A chunk from the middle of a head does not say which: the head as a whole.
    expect(refusalOf('HPE_HEADER_OVERFLOW', packet('a'.repeat(60_000)), 16_384).status).toBe(431);
  });

  it('answers timeouts 408 and any other parser error 400', () => {
    expect(refusalOf('ERR_HTTP_REQUEST_TIMEOUT', undefined, 16_384)).toEqual({
      status: 408,
      message: expect.stringMatching(/^\[408\] /),
    });
    expect(refusalOf('HPE_INVALID_URL', undefined, 16_384)).toEqual({ status: 400, message: '[400] Malformed URL' });
    expect(refusalOf('HPE_INVALID_CONTENT_LENGTH', undefined, 16_384)).toEqual({
      status: 400,
      message: '[400] Malformed request',
    });
  });
});

describe('requestTargetOf', () => {
  it('reads the target of the request line the chunk starts with', () => {
    expect(requestTargetOf(packet('GET /hms/wv/token?errorFormat=json HTTP/1.1\r\nHost: h\r\n'))).toBe(
      '/hms/wv/token?errorFormat=json',
    );
    expect(requestTargetOf(packet('aaaa\r\nHost: h\r\n'))).toBeUndefined();
    expect(requestTargetOf(undefined)).toBeUndefined();
  });

  it('leaves out the last parameter of a line cut by the chunk, which may be cut itself', () => {
    expect(requestTargetOf(packet('GET /t?errorFormat=json&cookie=aaaa'))).toBe('/t?errorFormat=json');
    expect(requestTargetOf(packet('GET /t?cookie=a&errorFormat=js'))).toBe('/t?cookie=a');
    expect(requestTargetOf(packet('GET /t?errorFormat=js'))).toBe('/t');
  });
});
