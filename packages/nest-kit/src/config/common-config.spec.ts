import { trustProxyOption } from './common-config';

describe('trustProxyOption', () => {
  it('trusts no proxy unless told, every hop for true, else the listed hops', () => {
    expect(trustProxyOption(undefined)).toBe(false);
    expect(trustProxyOption('true')).toBe(true);
    expect(trustProxyOption('10.0.0.1, 192.168.0.0/16')).toBe('10.0.0.1,192.168.0.0/16');
  });
});
