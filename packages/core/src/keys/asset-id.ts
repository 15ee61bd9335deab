import { createHash } from 'node:crypto';

/**
 * Which key of a multi-key FairPlay token an SPC asks for (docs/decisions/0016-multi-key-tokens.md). The asset id is
 * the content id the player took from the `skd://` URI, raw bytes in the SPC. It names the key whose kid
 *  1. is those 32 hex digits (either case): `skd://b366360da82e9c6e0b0984002a362cf2`, the common convention;
 *  2. is `^<asset id>`, i.e. the first 16 bytes of SHA-1 of it: `skd://movie-42` for a key given as `^movie-42`;
 *  3. is the asset id itself, when the player sent the kid's 16 bytes.
 * Matching is over kids only: no content key is looked at, and a miss says only that the asset id names no key.
 */
export function keyForAssetId<K extends { readonly kid: Buffer }>(keys: readonly K[], assetId: Buffer): K | undefined {
  const hashed = createHash('sha1').update(assetId).digest().subarray(0, 16);
  const text = assetId.toString('latin1');
  const hex = /^[0-9a-fA-F]{32}$/.test(text) ? Buffer.from(text, 'hex') : null;
  return keys.find(
    ({ kid }) =>
      (hex !== null && kid.equals(hex)) || kid.equals(hashed) || (assetId.length === 16 && kid.equals(assetId)),
  );
}

/** How an asset id appears in an error message: printable ASCII as text, else hex; at most 64 characters. */
export function describeAssetId(assetId: Buffer): string {
  const printable = assetId.every((byte) => byte >= 0x20 && byte < 0x7f);
  const text = printable ? JSON.stringify(assetId.toString('latin1')) : `0x${assetId.toString('hex')}`;
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
