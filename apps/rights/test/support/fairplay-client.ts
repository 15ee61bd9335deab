/**
 * What a FairPlay client knows, for the rights e2e tests: the SPC's session key (SK), R1 and anti-replay key,
 * recovered here from Apple's development credentials with node:crypto alone (not through the KSM under test),
 * and the CKC opened the way the client opens it.
 */
import { constants, createDecipheriv, createPrivateKey, privateDecrypt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appleDevelopmentDask, deriveAntiReplayKey, FairPlayConstants, openCkc, parseTllvs } from '@openplay/drm';

export const FAIRPLAY_FIXTURES = join(__dirname, '..', 'fixtures', 'fairplay');
export const CREDENTIALS_JSON = join(FAIRPLAY_FIXTURES, 'credentials.json');

export function fixture(name: string): Buffer {
  return readFileSync(join(FAIRPLAY_FIXTURES, name));
}

export const DEV_CERTIFICATE = fixture('dev_certificate.der');
export const DEV_DASK = appleDevelopmentDask();
const DEV_PRIVATE_KEY = createPrivateKey(fixture('dev_private_key.pem'));
const { SPC_TAG, CKC_TAG } = FairPlayConstants;

function aes128(mode: 'cbc' | 'ecb', key: Buffer, iv: Buffer | null, data: Buffer): Buffer {
  const decipher = createDecipheriv(`aes-128-${mode}`, key, iv).setAutoPadding(false);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

export interface ClientSecrets {
  readonly sk: Buffer;
  readonly r1: Buffer;
  readonly antiReplayKey: Buffer;
  /** The device's anonymised id (in [SK..R1]) and the SPC's asset id: what a FairPlay stream is known by. */
  readonly hu: Buffer;
  readonly assetId: Buffer;
}

/** Opens a v1 SPC made for the development certificate: RSA-OAEP-SHA1, AES-CBC payload, [SK..R1] under the DASk. */
export function clientSecretsOf(spc: Buffer): ClientSecrets {
  const spck = privateDecrypt(
    { key: DEV_PRIVATE_KEY, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    spc.subarray(24, 152),
  );
  const length = spc.readUInt32BE(172);
  const payload = aes128('cbc', spck, spc.subarray(8, 24), spc.subarray(176, 176 + length));
  const tllvs = new Map(parseTllvs(payload).map((tllv) => [tllv.tag, tllv.value]));
  const sessionKeyR1 = tllvs.get(SPC_TAG.sessionKeyR1)!;
  const plain = aes128('cbc', DEV_DASK, sessionKeyR1.subarray(0, 16), sessionKeyR1.subarray(16, 112));
  const r1 = plain.subarray(36, 80);
  return {
    sk: plain.subarray(0, 16),
    r1,
    antiReplayKey: deriveAntiReplayKey(r1, tllvs.get(SPC_TAG.antiReplaySeed)!),
    hu: plain.subarray(16, 36),
    assetId: tllvs.get(SPC_TAG.assetId)!,
  };
}

export interface ReadCkc {
  readonly contentKey: Buffer;
  readonly iv: Buffer;
  readonly r1: Buffer;
  /** Every TLLV value by tag (hex). */
  readonly tllvs: ReadonlyMap<string, Buffer>;
  readonly tags: readonly string[];
}

/** Decrypts a CKC with the anti-replay key and unwraps the content key with SK, as the client does. */
export function readCkc(ckc: Buffer, secrets: ClientSecrets): ReadCkc {
  const opened = openCkc(ckc, secrets.antiReplayKey);
  const tllvs = new Map(opened.tllvs.map((tllv) => [tllv.tag, tllv.value]));
  const encrypted = tllvs.get(CKC_TAG.encryptedContentKey);
  if (!encrypted || encrypted.length !== 32) throw new Error('the CKC has no 32-byte encrypted content key TLLV');
  return {
    iv: encrypted.subarray(0, 16),
    contentKey: aes128('ecb', secrets.sk, null, encrypted.subarray(16, 32)),
    r1: tllvs.get(CKC_TAG.r1)!,
    tllvs,
    tags: opened.tllvs.map((tllv) => tllv.tag),
  };
}
