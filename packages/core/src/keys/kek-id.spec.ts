import { kekId } from './kek-id';

describe('kekId', () => {
  it.each([
    // ExpressPlay's key storage, as a customer's tutorial records it (full digest, upper case).
    ['11111111111111111111111111111111', '#1.952241B0259652B68A8CAE2BE819DFA3390CDB35'],
    // SKeyMa's example prints the first 32 digits of the same digest in lower case: #1.afe008a381bdac03b412a92d54b92ddf.
    ['000102030405060708090a0b0c0d0e0f', '#1.AFE008A381BDAC03B412A92D54B92DDFAD769991'],
  ])('names kek %s %s', (kek, id) => {
    expect(kekId(Buffer.from(kek, 'hex'))).toBe(id);
  });

  it('hashes the kek as lower-case hex whatever case it arrived in', () => {
    expect(kekId(Buffer.from('ABCDEF0123456789ABCDEF0123456789', 'hex'))).toBe(
      kekId(Buffer.from('abcdef0123456789abcdef0123456789', 'hex')),
    );
  });

  it('agrees with SKeyMa on the 32-digit prefix', () => {
    expect(kekId(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex')).slice(3, 35).toLowerCase()).toBe(
      'afe008a381bdac03b412a92d54b92ddf',
    );
  });
});
