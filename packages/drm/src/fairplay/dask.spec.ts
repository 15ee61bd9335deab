import { createDecipheriv } from 'node:crypto';
import { devCredentials, fixture, hex, policy, synthetic } from '../../test/fixtures/fairplay/fixtures';
import {
  AskDaskProvider,
  FixedDaskProvider,
  createSoftwareFairPlayKsm,
  dFunctionHash,
  deriveDaskFromAsk,
  openCkc,
} from '.';
import { encodeSpc } from '../testing';

// Apple's D-function hash vectors (Apple DFunction.py unit test, as in easonlin404/ksm d/d_function_test.go).
const HASH_VECTORS: Array<[string, string]> = [
  ['a4c411c54d94727143504aece5613da8c6ee6dd2', '3a24a068c116842f10fac5c86cb1cb5c'],
  ['ee810dd5779ce50aa8df3824b3f2594cf9ee68a9', '93c82dc4d1c4a338896bfce2e7dc12a0'],
  ['9a0618db8a4ecc1c8f1fa8e9482dbbe56647afe1', '73b8445fd639462154f3503c6ea32c89'],
  ['303838a2b4cab66f25d53bd331b5ee4c035b6e12', 'c74f35704ec58c0882bc4014a74152a8'],
  ['a4c411c54d94727143504aece5613da8c6ee6dd26ba5d07ec0dc44c84ec4', '4b46ab65bd04af0dd721718a68663390'],
  ['ee810dd5779ce50aa8df3824b3f2594cf9ee68a9c6caa7a36709f55494d5', 'c63d0c630bcd579d072901dba82ae2a6'],
  ['9a0618db8a4ecc1c8f1fa8e9482dbbe56647afe10739e4bd00d29db0d9cc', '2d467d6fc4aab309e8b4618247567e06'],
  ['303838a2b4cab66f25d53bd331b5ee4c035b6e12afcd05c5a5a85a382ff4', '353d491edc8f6f8191a3cb366bafe14c'],
  [
    'a4c411c54d94727143504aece5613da8c6ee6dd26ba5d07ec0dc44c84ec48140b244d5be323d251a',
    '8439a36b359c7c1c5b698c594b56b020',
  ],
  [
    'ee810dd5779ce50aa8df3824b3f2594cf9ee68a9c6caa7a36709f55494d5c56971d390bc57a68223',
    '430b6db2ce11ce6bcd7076187c44aa1b',
  ],
  [
    '303838a2b4cab66f25d53bd331b5ee4c035b6e12afcd05c5a5a85a382ff4bfae230844aef7e2ae5c',
    'a77994aeda51df868cd82bd3b1131401',
  ],
  [
    '9a0618db8a4ecc1c8f1fa8e9482dbbe56647afe10739e4bd00d29db0d9ccf4ba5d556f4c869ebb9e',
    'fcff3ff19e2911e52ce252e85f0498da',
  ],
  [
    'a4c411c54d94727143504aece5613da8c6ee6dd26ba5d07ec0dc44c84ec48140b244d5be323d251acb3a4bb19898891973db',
    'f2272c254504fc4ce7af2873c1de184f',
  ],
  [
    'ee810dd5779ce50aa8df3824b3f2594cf9ee68a9c6caa7a36709f55494d5c56971d390bc57a68223d588edb0e48ec073d28b',
    '0f25a9bf940daca0a520937be1752f75',
  ],
  [
    '9a0618db8a4ecc1c8f1fa8e9482dbbe56647afe10739e4bd00d29db0d9ccf4ba5d556f4c869ebb9eceeb019acaa7ae6c8ca7',
    '10e41b10df29f8c2ea91fe7d126f50e1',
  ],
  [
    '303838a2b4cab66f25d53bd331b5ee4c035b6e12afcd05c5a5a85a382ff4bfae230844aef7e2ae5c834671c1632afca943eb',
    'b1caecddef433ceb4d8ed554f1702dbd',
  ],
];

describe('D function (DASk = D(R2, ASk))', () => {
  it.each(HASH_VECTORS)('hashes %s to Apple’s value', (input, expected) => {
    expect(dFunctionHash(hex(input)).toString('hex')).toBe(expected);
  });

  it('hashes the development vectors’ R2 as the research computed', () => {
    expect(dFunctionHash(hex('11f7be612ca95ef5e007ce51896ae4502ca3d8801b')).toString('hex')).toBe(
      '556e51572777a04a214bd419ed4ae2f0',
    );
  });

  it('encrypts the hash with the ASk (AES-128-ECB)', () => {
    const ask = hex('000102030405060708090a0b0c0d0e0f');
    const r2 = hex('11f7be612ca95ef5e007ce51896ae4502ca3d8801b');
    const dask = deriveDaskFromAsk(r2, ask);
    const decipher = createDecipheriv('aes-128-ecb', ask, null).setAutoPadding(false);
    expect(Buffer.concat([decipher.update(dask), decipher.final()]).toString('hex')).toBe(
      '556e51572777a04a214bd419ed4ae2f0',
    );
  });

  it('rejects R2 outside 1..55 bytes', () => {
    expect(() => dFunctionHash(Buffer.alloc(0))).toThrow(RangeError);
    expect(() => dFunctionHash(Buffer.alloc(56))).toThrow(RangeError);
    expect(dFunctionHash(Buffer.alloc(55))).toHaveLength(16);
  });
});

describe('DASk providers', () => {
  const context = {
    r2: hex('11f7be612ca95ef5e007ce51896ae4502ca3d8801b'),
    certificateHash: Buffer.alloc(20),
    spcVersion: 1 as const,
  };

  it('AskDaskProvider derives, caches per R2, and copies its key', () => {
    const ask = Buffer.alloc(16, 7);
    const provider = new AskDaskProvider(ask);
    ask.fill(0);
    const first = provider.deriveDask(context);
    expect(first.equals(deriveDaskFromAsk(context.r2, Buffer.alloc(16, 7)))).toBe(true);
    expect(provider.deriveDask(context)).toBe(first);
    expect(JSON.stringify({ provider })).not.toContain('0707');
  });

  it('FixedDaskProvider returns its key whatever the R2', () => {
    expect(new FixedDaskProvider(Buffer.alloc(16, 1)).deriveDask()).toEqual(Buffer.alloc(16, 1));
  });

  it('refuse keys that are not 16 bytes', () => {
    expect(() => new AskDaskProvider(Buffer.alloc(15))).toThrow('ASk must be 16 bytes');
    expect(() => new FixedDaskProvider(Buffer.alloc(32))).toThrow('DASk must be 16 bytes');
  });

  it('an ASk credential set opens SPCs whose [SK..R1] uses D(R2, ASk), end to end', () => {
    const ask = hex('6d1a2b3c4d5e6f708192a3b4c5d6e7f8');
    const r2 = Buffer.alloc(21, 0x42);
    const sk = Buffer.alloc(16, 0x11);
    const spc = encodeSpc({
      certificate: fixture('synthetic/rsa1024_certificate.der'),
      dask: deriveDaskFromAsk(r2, ask),
      r2,
      sk,
    });
    const { dask: _unused, ...withoutDask } = synthetic(1024);
    const ksm = createSoftwareFairPlayKsm([devCredentials(), { ...withoutDask, ask }]);
    const contentKey = Buffer.alloc(16, 0x99);
    const opened = ksm.openSpc(spc);
    expect(opened.session.sk).toEqual(sk);
    const { ckc } = ksm.createCkcSync(spc, { contentKey, iv: Buffer.alloc(16, 1), policy: policy() });
    const ck = openCkc(ckc, opened.antiReplayKey).tllvs[0].value.subarray(16);
    const decipher = createDecipheriv('aes-128-ecb', sk, null).setAutoPadding(false);
    expect(Buffer.concat([decipher.update(ck), decipher.final()])).toEqual(contentKey);
  });
});
