import { randomBytes } from 'node:crypto';
import { pb } from '../testing/widevine/test-pki';
import { classifyWidevineRequest } from './request-kind';

const request = (fields: Record<string, unknown>) =>
  pb('SignedMessage', { type: 1, msg: pb('LicenseRequest', fields), signature: randomBytes(256) });

describe('classifyWidevineRequest', () => {
  it.each([
    ['08 04', Buffer.from([8, 4]), 'service-certificate'],
    ['a NEW request', request({ type: 1, request_time: 1_700_000_000, key_control_nonce: 0xffffffff }), 'license'],
    ['a request without a type (NEW)', request({ request_time: 1 }), 'license'],
    [
      'a RENEWAL',
      request({ type: 2, content_id: { existing_license: { seconds_since_started: 2 ** 40 } } }),
      'renewal',
    ],
    ['a RELEASE', request({ type: 3 }), 'release'],
  ])('reads %s', (_name, bytes, kind) => {
    expect(classifyWidevineRequest(bytes)).toBe(kind);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['a SignedMessage of another type', pb('SignedMessage', { type: 2, msg: Buffer.from([0x18, 0x01]) })],
    ['a license request without msg', pb('SignedMessage', { type: 1 })],
    ['an unknown request type', request({ type: 9 })],
    ['a truncated varint', Buffer.from([0x08, 0x81])],
    ['a length past the end', Buffer.from([0x08, 0x01, 0x12, 0x7f, 0x00])],
    ['wire type 3', Buffer.from([0x0b, 0x00])],
    ['field number 0', Buffer.from([0x00, 0x01])],
    ['an 11-byte varint', Buffer.from([0x08, ...Array(10).fill(0xff), 0x01])],
  ])('says null for %s', (_name, bytes) => {
    expect(classifyWidevineRequest(bytes)).toBeNull();
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) expect(() => classifyWidevineRequest(randomBytes(i % 64))).not.toThrow();
  });
});
