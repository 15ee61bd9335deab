// CENC ('cenc' scheme, AES-128-CTR) encryption of clear fragmented MP4, as a packager does it. Each H.264 sample keeps
// its NAL length prefixes and NAL headers in the clear (Chromium's MP4 parser rewrites the length prefixes to Annex B
// before decrypting) and the rest of each slice NAL is encrypted in whole 16-byte blocks; AAC samples are encrypted
// whole. Per fragment: senc with 8-byte IVs, and saiz/saio pointing at them, which is what MSE decryption reads.
import { createCipheriv } from 'node:crypto';
import {
  type Box,
  containerAt,
  containerBox,
  findBox,
  fullBox,
  isContainer,
  leafAt,
  leafBox,
  parseBoxes,
  serializeBoxes,
} from './boxes';

/** The common-system PSSH (W3C "cenc" initialization data format), which names key IDs and no DRM. */
export const COMMON_SYSTEM_ID = Buffer.from('1077efecc0b24d02ace33c1e52e2fb4b', 'hex');
export const IV_SIZE = 8;

export type TrackKind = 'video' | 'audio';

export interface ProtectedInit {
  readonly init: Buffer;
  readonly kind: TrackKind;
  /** The RFC 6381 codecs string of the track, for the manifest. */
  readonly codecs: string;
  readonly timescale: number;
}

/**
 * The clear init segment of one H.264 or AAC track made protected: avc1 → encv or mp4a → enca with sinf (frma,
 * schm 'cenc', tenc naming `kid`), and a version-1 common-system pssh naming `kid` (Chromium reads key IDs from it).
 */
export function protectInit(init: Buffer, kid: Buffer): ProtectedInit {
  if (kid.length !== 16) throw new Error('a key ID is 16 bytes');
  const boxes = parseBoxes(init);
  const moov = containerAt(boxes, 'moov');
  const stsd = containerAt(boxes, 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd');
  const entry = stsd.children.find((box) => box.type === 'avc1' || box.type === 'mp4a');
  if (!entry || !isContainer(entry)) throw new Error('the init segment has neither an avc1 nor an mp4a sample entry');
  const kind: TrackKind = entry.type === 'avc1' ? 'video' : 'audio';
  // avcC's profile, compatibility and level bytes; ffmpeg's aac encoder makes AAC-LC (object type 2) only.
  const codecs =
    kind === 'video' ? `avc1.${leafAt(entry.children, 'avcC').payload.toString('hex', 1, 4)}` : 'mp4a.40.2';
  const mdhd = leafAt(boxes, 'moov', 'trak', 'mdia', 'mdhd').payload;
  const timescale = mdhd.readUInt32BE(mdhd[0] === 1 ? 20 : 12);

  const originalFormat = entry.type;
  entry.type = kind === 'video' ? 'encv' : 'enca';
  const schm = Buffer.alloc(8);
  schm.write('cenc', 0, 'latin1');
  schm.writeUInt32BE(0x00010000, 4);
  // reserved, reserved, isProtected = 1, Per_Sample_IV_Size, default KID
  const tenc = Buffer.concat([Buffer.from([0, 0, 1, IV_SIZE]), kid]);
  entry.children.push(
    containerBox('sinf', [
      leafBox('frma', Buffer.from(originalFormat, 'latin1')),
      fullBox('schm', 0, 0, schm),
      containerBox('schi', [fullBox('tenc', 0, 0, tenc)]),
    ]),
  );
  moov.children.push(commonPssh([kid]));
  return { init: serializeBoxes(boxes), kind, codecs, timescale };
}

/** A version-1 pssh of the common system naming `kids`, with no data. */
export function commonPssh(kids: readonly Buffer[]): Box {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(kids.length);
  return fullBox('pssh', 1, 0, Buffer.concat([COMMON_SYSTEM_ID, count, ...kids, Buffer.alloc(4)]));
}

export interface ProtectedFragment {
  readonly fragment: Buffer;
  /** tfdt's base media decode time and the fragment's duration, in the track's timescale. */
  readonly baseTime: number;
  readonly duration: number;
  /** Samples encrypted: the next fragment's IVs start at `firstIv + sampleCount`. */
  readonly sampleCount: number;
}

interface Sample {
  duration: number;
  size: number;
}

/**
 * One clear fragment (moof + mdat, default-base-is-moof, one traf) encrypted under `key`: sample i gets the IV
 * `firstIv + i`, senc/saiz/saio are appended to the traf, and trun's data offset follows the moof's growth. IVs must
 * never repeat under one key: give each fragment and track the IVs after the previous one's.
 */
export function protectFragment(
  fragment: Buffer,
  kind: TrackKind,
  key: Buffer,
  firstIv: bigint,
  trexDefaultDuration = 0,
): ProtectedFragment {
  const bytes = Buffer.from(fragment);
  const boxes = parseBoxes(bytes);
  const moofIndex = boxes.findIndex((box) => box.type === 'moof');
  if (moofIndex < 0) throw new Error('a fragment without a moof');
  const moof = containerAt(boxes, 'moof');
  const moofStart = serializeBoxes(boxes.slice(0, moofIndex)).length;
  const oldMoofSize = serializeBoxes([moof]).length;
  const traf = containerAt(moof.children, 'traf');

  const tfhd = leafAt(traf.children, 'tfhd').payload;
  const tfhdFlags = tfhd.readUInt32BE(0) & 0xffffff;
  if (!(tfhdFlags & 0x20000) || tfhdFlags & 0x1) throw new Error('expected default-base-is-moof fragments');
  let at = 8 + (tfhdFlags & 0x2 ? 4 : 0);
  const defaultDuration = tfhdFlags & 0x8 ? tfhd.readUInt32BE(at) : trexDefaultDuration;
  if (tfhdFlags & 0x8) at += 4;
  const defaultSize = tfhdFlags & 0x10 ? tfhd.readUInt32BE(at) : undefined;
  const tfdt = leafAt(traf.children, 'tfdt').payload;
  const baseTime = tfdt[0] === 1 ? Number(tfdt.readBigUInt64BE(4)) : tfdt.readUInt32BE(4);

  const trun = leafAt(traf.children, 'trun').payload;
  const trunFlags = trun.readUInt32BE(0) & 0xffffff;
  if (!(trunFlags & 0x1)) throw new Error('expected a trun data offset');
  const count = trun.readUInt32BE(4);
  const dataOffset = trun.readInt32BE(8);
  at = 12 + (trunFlags & 0x4 ? 4 : 0);
  const samples: Sample[] = [];
  for (let i = 0; i < count; i++) {
    let duration = defaultDuration;
    let size = defaultSize;
    if (trunFlags & 0x100) {
      duration = trun.readUInt32BE(at);
      at += 4;
    }
    if (trunFlags & 0x200) {
      size = trun.readUInt32BE(at);
      at += 4;
    }
    if (trunFlags & 0x400) at += 4;
    if (trunFlags & 0x800) at += 4;
    if (size === undefined) throw new Error('a sample without a size');
    samples.push({ duration, size });
  }

  // The samples lie contiguous from moof start + data offset: encrypt them in place.
  let offset = moofStart + dataOffset;
  const auxInfo = samples.map((sample, i) => {
    const data = bytes.subarray(offset, offset + sample.size);
    if (data.length !== sample.size) throw new Error('a sample runs past the end of the fragment');
    offset += sample.size;
    const iv = Buffer.alloc(IV_SIZE);
    iv.writeBigUInt64BE(BigInt.asUintN(64, firstIv + BigInt(i)));
    if (kind === 'audio') {
      ctr(key, iv).update(data).copy(data);
      return iv;
    }
    const subsamples = encryptAvcSample(data, key, iv);
    const info = Buffer.alloc(IV_SIZE + 2 + subsamples.length * 6);
    iv.copy(info, 0);
    info.writeUInt16BE(subsamples.length, IV_SIZE);
    subsamples.forEach(([clear, encrypted], j) => {
      info.writeUInt16BE(clear, IV_SIZE + 2 + j * 6);
      info.writeUInt32BE(encrypted, IV_SIZE + 4 + j * 6);
    });
    return info;
  });

  const saiz = Buffer.alloc(5 + count); // default_sample_info_size 0, then one size per sample
  saiz.writeUInt32BE(count, 1);
  auxInfo.forEach((info, i) => {
    if (info.length > 255) throw new Error('too many subsamples for saiz');
    saiz[5 + i] = info.length;
  });
  const saio = Buffer.alloc(8); // one offset, written below once the traf's layout is known
  saio.writeUInt32BE(1, 0);
  const saioBox = fullBox('saio', 0, 0, saio);
  const sencCount = Buffer.alloc(4);
  sencCount.writeUInt32BE(count);
  traf.children.push(
    fullBox('saiz', 0, 0, saiz),
    saioBox,
    // flag 0x2: subsample information present
    fullBox('senc', 0, kind === 'video' ? 0x2 : 0, Buffer.concat([sencCount, ...auxInfo])),
  );
  // saio points at the first IV inside senc (senc is the traf's last child), relative to the moof's start.
  const trafAt = 8 + serializeBoxes(moof.children.slice(0, moof.children.indexOf(traf))).length;
  const sencAt = trafAt + 8 + serializeBoxes(traf.children.slice(0, -1)).length;
  saioBox.payload.writeUInt32BE(sencAt + 8 + 4 + 4, 4 + 4);
  const growth = serializeBoxes([moof]).length - oldMoofSize;
  trun.writeInt32BE(dataOffset + growth, 8);

  return {
    fragment: Buffer.concat([
      bytes.subarray(0, moofStart),
      serializeBoxes([moof]),
      bytes.subarray(moofStart + oldMoofSize),
    ]),
    baseTime,
    duration: samples.reduce((sum, sample) => sum + sample.duration, 0),
    sampleCount: count,
  };
}

/** AES-128-CTR from an 8-byte IV (the counter's upper half; the block counter starts at 0). */
export const ctr = (key: Buffer, iv: Buffer) =>
  createCipheriv('aes-128-ctr', key, Buffer.concat([iv, Buffer.alloc(16 - iv.length)]));

/**
 * Encrypts, in place, the slice NAL units (types 1–5) of one sample of 4-byte length-prefixed H.264: each NAL's
 * prefix, header byte and leading remainder stay clear, the rest is encrypted as whole blocks under one running
 * CTR stream. Returns the [clear, encrypted] byte counts of the subsamples.
 */
export function encryptAvcSample(sample: Buffer, key: Buffer, iv: Buffer): Array<[number, number]> {
  const cipher = ctr(key, iv);
  const subsamples: Array<[number, number]> = [];
  let clear = 0;
  let at = 0;
  while (at < sample.length) {
    if (at + 5 > sample.length) throw new Error('a sample is not 4-byte length-prefixed NAL units');
    const length = sample.readUInt32BE(at);
    const nalType = sample[at + 4] & 0x1f;
    const total = 4 + length;
    const payload = length - 1;
    if (nalType >= 1 && nalType <= 5 && payload >= 16) {
      const encrypted = payload - (payload % 16);
      clear += total - encrypted;
      const start = at + total - encrypted;
      cipher.update(sample.subarray(start, start + encrypted)).copy(sample, start);
      for (; clear > 0xffff; clear -= 0xffff) subsamples.push([0xffff, 0]);
      subsamples.push([clear, encrypted]);
      clear = 0;
    } else clear += total;
    at += total;
  }
  if (at !== sample.length) throw new Error('a sample is not 4-byte length-prefixed NAL units');
  for (; clear > 0; clear -= Math.min(clear, 0xffff)) subsamples.push([Math.min(clear, 0xffff), 0]);
  return subsamples;
}

/** A clear fragmented MP4 cut into its init segment (ftyp + moov) and its fragments (moof + mdat pairs). */
export interface FragmentedMp4 {
  readonly init: Buffer;
  readonly fragments: readonly Buffer[];
  /** trex's default sample duration, for fragments whose tfhd and trun give none. */
  readonly trexDefaultDuration: number;
}

export function splitFragmentedMp4(file: Buffer): FragmentedMp4 {
  const top: Array<{ type: string; start: number; end: number }> = [];
  for (let at = 0; at + 8 <= file.length;) {
    const size32 = file.readUInt32BE(at);
    const size = size32 === 1 ? Number(file.readBigUInt64BE(at + 8)) : size32 === 0 ? file.length - at : size32;
    if (size < 8 || at + size > file.length) throw new Error(`a top-level box at ${at} overruns the file`);
    top.push({ type: file.toString('latin1', at + 4, at + 8), start: at, end: at + size });
    at += size;
  }
  const firstMoof = top.findIndex((box) => box.type === 'moof');
  if (firstMoof < 0) throw new Error('not a fragmented MP4: no moof');
  const init = file.subarray(0, top[firstMoof].start);
  const fragments: Buffer[] = [];
  for (let i = firstMoof; i < top.length; i++) {
    if (top[i].type !== 'moof') continue;
    const mdat = top[i + 1];
    if (mdat?.type !== 'mdat') throw new Error('a moof without its mdat');
    fragments.push(file.subarray(top[i].start, mdat.end));
  }
  const mvex = findBox(containerAt(parseBoxes(init), 'moov').children, 'mvex');
  const trex = mvex && isContainer(mvex) ? findBox(mvex.children, 'trex') : undefined;
  const trexDefaultDuration = trex && !isContainer(trex) ? trex.payload.readUInt32BE(12) : 0;
  return { init, fragments, trexDefaultDuration };
}
