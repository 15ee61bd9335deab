import { describeAssetId, keyForAssetId } from './asset-id';
import { stringKid } from './kid';

const HEX_KID = Buffer.from('b366360da82e9c6e0b0984002a362cf2', 'hex');
const NAMED_KID = stringKid('movie-42');
const RAW_KID = Buffer.alloc(16, 7);
const KEYS = [{ kid: HEX_KID }, { kid: NAMED_KID }, { kid: RAW_KID }];

describe('keyForAssetId', () => {
  it.each([
    ['the kid as hex', Buffer.from('b366360da82e9c6e0b0984002a362cf2'), HEX_KID],
    ['the kid as upper-case hex', Buffer.from('B366360DA82E9C6E0B0984002A362CF2'), HEX_KID],
    ['the name of a ^name kid', Buffer.from('movie-42'), NAMED_KID],
    ['the kid bytes', RAW_KID, RAW_KID],
  ])('finds the key named by %s', (_name, assetId, kid) => {
    expect(keyForAssetId(KEYS, assetId)?.kid).toBe(kid);
  });

  it('finds nothing for another asset id', () => {
    expect(keyForAssetId(KEYS, Buffer.from('movie-43'))).toBeUndefined();
    expect(keyForAssetId(KEYS, Buffer.from('b366360da82e9c6e0b0984002a362cf3'))).toBeUndefined();
  });
});

describe('describeAssetId', () => {
  it('quotes text, shows bytes as hex, and stays short', () => {
    expect(describeAssetId(Buffer.from('movie-42'))).toBe('"movie-42"');
    expect(describeAssetId(Buffer.from([0, 1]))).toBe('0x0001');
    expect(describeAssetId(Buffer.alloc(200, 0x41))).toHaveLength(64);
  });
});
