import { stringKid } from '../keys/kid';
import { fail, hexBytes } from './values';

export const MAX_KID_NAME_LENGTH = 64;
// Printable ASCII: the reference key store hashes names as ASCII, so only these hash the same everywhere.
const KID_NAME = /^[\x20-\x7e]+$/;

/**
 * A `kid` value as 16 bytes: 32 hex digits (either case), or `^name` with 1..64 printable ASCII
 * characters after the `^`, mapped by `stringKid`. For the key store API too, which takes the same forms.
 */
export function parseKid(value: string): Buffer {
  if (value.startsWith('^')) {
    const name = value.slice(1);
    if (name.length > MAX_KID_NAME_LENGTH)
      fail(-4021, `kid name after ^ has more than ${MAX_KID_NAME_LENGTH} characters`);
    if (name.length === 0) fail(-4022, 'kid name after ^ is empty');
    if (!KID_NAME.test(name)) fail(-4022, 'kid name after ^ must be printable ASCII');
    return stringKid(name);
  }
  return hexBytes(value, 32, 'kid', { notHex: -4022, wrongLength: -4020 });
}
