// CENC ('cenc', AES-128-CTR) encryption of a clear fragmented MP4 with one H.264 track, as a packager would do it.
// Why not ffmpeg's own -encryption_scheme: ffmpeg 5.1 (Debian 12) writes senc/saiz/saio only into the moov's stbl,
// never into a fragment's traf, so a fragmented file it encrypts has no per-sample IVs and no subsamples, and
// Chromium cannot decrypt it through MSE. Here each H.264 sample keeps its NAL length prefixes and NAL headers in
// the clear (Chromium's MP4 parser rewrites length prefixes to Annex B before decrypting) and the rest of each
// slice NAL is encrypted, in whole 16-byte blocks as packagers do.
import { createCipheriv } from 'node:crypto';

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf', 'sinf', 'schi']);
// Bytes between a box's header and its children: stsd's version/flags + entry count, a sample entry's own fields.
const PREFIX = { stsd: 8, avc1: 78, encv: 78, mp4a: 28, enca: 28 };
const COMMON_SYSTEM_ID = Buffer.from('1077efecc0b24d02ace33c1e52e2fb4b', 'hex');

/** Boxes of `buf[start, end)` as a tree; unknown boxes keep their payload verbatim. */
export function parseBoxes(buf, start = 0, end = buf.length) {
  const boxes = [];
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) throw new Error(`box ${type} at ${at} overruns its parent`);
    const body = buf.subarray(at + header, at + size);
    if (CONTAINERS.has(type) || type in PREFIX) {
      const prefixLength = PREFIX[type] ?? 0;
      boxes.push({ type, prefix: body.subarray(0, prefixLength), children: parseBoxes(body, prefixLength) });
    } else boxes.push({ type, payload: body });
    at += size;
  }
  return boxes;
}

export function serialize(boxes) {
  return Buffer.concat(
    boxes.map((box) => {
      const body = box.children ? Buffer.concat([box.prefix, serialize(box.children)]) : box.payload;
      const header = Buffer.alloc(8);
      header.writeUInt32BE(body.length + 8);
      header.write(box.type, 4, 'latin1');
      return Buffer.concat([header, body]);
    }),
  );
}

const leaf = (type, payload) => ({ type, payload });
const fullBox = (type, version, flags, payload) => {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff));
  return leaf(type, Buffer.concat([head, payload]));
};
const find = (boxes, type) => boxes.find((box) => box.type === type);
const path = (boxes, ...types) =>
  types.reduce((node, type) => node && find(node.children ?? node, type), { children: boxes });

/**
 * The clear init segment of one H.264 or AAC track made protected: avc1 → encv or mp4a → enca, with
 * sinf(frma, schm cenc, tenc), and a common-system pssh naming the key ID (Chromium reads key IDs from it).
 */
export function protectInit(init, kid) {
  const boxes = parseBoxes(init);
  const moov = find(boxes, 'moov');
  const stsd = path(boxes, 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd');
  const entry = stsd.children.find((box) => box.type === 'avc1' || box.type === 'mp4a');
  if (!entry) throw new Error('init segment has neither an avc1 nor an mp4a sample entry');
  const kind = entry.type === 'avc1' ? 'video' : 'audio';
  // ffmpeg's aac encoder makes AAC-LC (object type 2) only.
  const codecs =
    kind === 'video' ? `avc1.${find(entry.children, 'avcC').payload.subarray(1, 4).toString('hex')}` : 'mp4a.40.2';
  const timescale = path(boxes, 'moov', 'trak', 'mdia', 'mdhd').payload.readUInt32BE(12);
  const originalFormat = entry.type;
  entry.type = kind === 'video' ? 'encv' : 'enca';
  const tenc = Buffer.concat([Buffer.from([0, 0, 1, 8]), kid]); // reserved ×2, isProtected 1, Per_Sample_IV_Size 8
  const schm = Buffer.alloc(8);
  schm.write('cenc', 0, 'latin1');
  schm.writeUInt32BE(0x00010000, 4);
  entry.children.push({
    type: 'sinf',
    prefix: Buffer.alloc(0),
    children: [
      leaf('frma', Buffer.from(originalFormat, 'latin1')),
      fullBox('schm', 0, 0, schm),
      { type: 'schi', prefix: Buffer.alloc(0), children: [fullBox('tenc', 0, 0, tenc)] },
    ],
  });
  const pssh = Buffer.alloc(16 + 4 + 16 + 4);
  COMMON_SYSTEM_ID.copy(pssh, 0);
  pssh.writeUInt32BE(1, 16);
  kid.copy(pssh, 20);
  moov.children.push(fullBox('pssh', 1, 0, pssh));
  return { init: serialize(boxes), timescale, codecs, kind };
}

/**
 * One clear fragment (moof + mdat, default-base-is-moof) encrypted: senc (8-byte IVs; H.264 with subsamples,
 * AAC whole samples), saiz and saio added to the traf, trun's data offset moved by the moof's growth.
 * Returns the fragment and its timing.
 */
export function protectFragment(fragment, kind, key, ivBase, trexDefaultDuration) {
  const bytes = Buffer.from(fragment);
  const boxes = parseBoxes(bytes);
  const moofIndex = boxes.findIndex((box) => box.type === 'moof');
  const moof = boxes[moofIndex];
  const moofStart = serialize(boxes.slice(0, moofIndex)).length;
  const oldMoofSize = serialize([moof]).length;
  const traf = find(moof.children, 'traf');
  const tfhd = find(traf.children, 'tfhd').payload;
  const tfhdFlags = tfhd.readUInt32BE(0) & 0xffffff;
  let at = 8;
  if (tfhdFlags & 0x1) at += 8;
  if (tfhdFlags & 0x2) at += 4;
  const defaultDuration = tfhdFlags & 0x8 ? tfhd.readUInt32BE(at) : trexDefaultDuration;
  if (tfhdFlags & 0x8) at += 4;
  const defaultSize = tfhdFlags & 0x10 ? tfhd.readUInt32BE(at) : undefined;
  if (!(tfhdFlags & 0x20000) || tfhdFlags & 0x1) throw new Error('expected default-base-is-moof fragments');
  const tfdt = find(traf.children, 'tfdt').payload;
  const baseTime = tfdt[0] === 1 ? Number(tfdt.readBigUInt64BE(4)) : tfdt.readUInt32BE(4);

  const trunBox = find(traf.children, 'trun');
  const trun = trunBox.payload;
  const trunFlags = trun.readUInt32BE(0) & 0xffffff;
  const count = trun.readUInt32BE(4);
  if (!(trunFlags & 0x1)) throw new Error('expected a trun data offset');
  const dataOffset = trun.readInt32BE(8);
  at = 12 + (trunFlags & 0x4 ? 4 : 0);
  const samples = [];
  for (let i = 0; i < count; i++) {
    const sample = {};
    if (trunFlags & 0x100) ((sample.duration = trun.readUInt32BE(at)), (at += 4));
    if (trunFlags & 0x200) ((sample.size = trun.readUInt32BE(at)), (at += 4));
    if (trunFlags & 0x400) at += 4;
    if (trunFlags & 0x800) at += 4;
    sample.duration ??= defaultDuration;
    sample.size ??= defaultSize;
    samples.push(sample);
  }

  // The samples, contiguous from moof start + data offset; encrypt them where they lie.
  let offset = moofStart + dataOffset;
  const auxInfo = [];
  samples.forEach((sample, i) => {
    const data = bytes.subarray(offset, offset + sample.size);
    offset += sample.size;
    const iv = Buffer.alloc(8);
    iv.writeBigUInt64BE(ivBase + BigInt(i));
    if (kind === 'audio') {
      const cipher = createCipheriv('aes-128-ctr', key, Buffer.concat([iv, Buffer.alloc(8)]));
      cipher.update(data).copy(data);
      auxInfo.push(iv);
      return;
    }
    const subsamples = encryptAvcSample(data, key, iv);
    const info = Buffer.alloc(8 + 2 + subsamples.length * 6);
    iv.copy(info, 0);
    info.writeUInt16BE(subsamples.length, 8);
    subsamples.forEach(([clear, protectedBytes], j) => {
      info.writeUInt16BE(clear, 10 + j * 6);
      info.writeUInt32BE(protectedBytes, 12 + j * 6);
    });
    auxInfo.push(info);
  });

  const sencCount = Buffer.alloc(4);
  sencCount.writeUInt32BE(count);
  const saiz = Buffer.alloc(5 + count);
  saiz.writeUInt32BE(count, 1);
  auxInfo.forEach((info, i) => {
    if (info.length > 255) throw new Error('too many subsamples for saiz');
    saiz[5 + i] = info.length;
  });
  const saio = Buffer.alloc(8);
  saio.writeUInt32BE(1, 0);
  traf.children.push(fullBox('saiz', 0, 0, saiz), fullBox('saio', 0, 0, saio));
  traf.children.push(fullBox('senc', 0, kind === 'video' ? 0x2 : 0, Buffer.concat([sencCount, ...auxInfo])));

  // saio points at the first IV in senc, relative to the moof; senc is the traf's last child.
  const sencAt =
    8 +
    serialize(moof.children.slice(0, moof.children.indexOf(traf))).length +
    8 +
    serialize(traf.children.slice(0, -1)).length;
  saio.writeUInt32BE(sencAt + 8 + 4 + 4, 4);
  const growth = serialize([moof]).length - oldMoofSize;
  trun.writeInt32BE(dataOffset + growth, 8);

  const before = bytes.subarray(0, moofStart);
  const after = bytes.subarray(moofStart + oldMoofSize);
  const duration = samples.reduce((sum, sample) => sum + sample.duration, 0);
  return { fragment: Buffer.concat([before, serialize([moof]), after]), baseTime, duration, count };
}

/** Encrypts the slice NAL units of one length-prefixed (4-byte) H.264 sample; returns [clear, protected] pairs. */
function encryptAvcSample(sample, key, iv8) {
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.concat([iv8, Buffer.alloc(8)]));
  const subsamples = [];
  let clear = 0;
  let at = 0;
  while (at < sample.length) {
    const length = sample.readUInt32BE(at);
    const nalType = sample[at + 4] & 0x1f;
    const total = 4 + length;
    const payload = length - 1;
    if (nalType >= 1 && nalType <= 5 && payload >= 16) {
      const protectedBytes = payload - (payload % 16);
      clear += total - protectedBytes;
      const start = at + total - protectedBytes;
      cipher.update(sample.subarray(start, start + protectedBytes)).copy(sample, start);
      while (clear > 0xffff) (subsamples.push([0xffff, 0]), (clear -= 0xffff));
      subsamples.push([clear, protectedBytes]);
      clear = 0;
    } else clear += total;
    at += total;
  }
  if (at !== sample.length) throw new Error('sample is not 4-byte length-prefixed NAL units');
  while (clear > 0) (subsamples.push([Math.min(clear, 0xffff), 0]), (clear -= Math.min(clear, 0xffff)));
  return subsamples;
}

/** Splits a fragmented MP4 into its init segment (ftyp + moov) and fragments (moof + mdat pairs). */
export function splitFragmented(file) {
  const top = [];
  let at = 0;
  while (at + 8 <= file.length) {
    const size = file.readUInt32BE(at);
    top.push({ type: file.toString('latin1', at + 4, at + 8), start: at, end: at + size });
    at += size;
  }
  const moofAt = top.findIndex((box) => box.type === 'moof');
  const init = file.subarray(0, top[moofAt].start);
  const fragments = [];
  for (let i = moofAt; i < top.length; i++) {
    if (top[i].type !== 'moof') continue;
    const mdat = top[i + 1];
    if (mdat?.type !== 'mdat') throw new Error('moof without its mdat');
    fragments.push(file.subarray(top[i].start, mdat.end));
  }
  const trex = path(parseBoxes(init), 'moov', 'mvex', 'trex');
  const trexDefaultDuration = trex ? trex.payload.readUInt32BE(12) : 0;
  return { init, fragments, trexDefaultDuration };
}
