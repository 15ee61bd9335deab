import { createDecipheriv } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Box, type ContainerBox, type LeafBox, parseBoxes } from './boxes';
import { makeClearKeyClip } from './clip';
import { dashManifest } from './manifest';
import { COMMON_SYSTEM_ID, protectFragment, protectInit, splitFragmentedMp4 } from './protect';

// Clear fragmented MP4 written byte by byte here, as ffmpeg writes it (empty moov, default-base-is-moof fragments),
// so that these specs need no ffmpeg; the browser e2e test (apps/rights) plays what makeClearKeyClip makes of
// ffmpeg's own output.
const KID = Buffer.from('fb2a3c5e3b1c4f8a9d0e7b6c5a493827', 'hex');
const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const FIRST_IV = 0x0102030400000000n;

const u32 = (value: number) => Buffer.from([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
const u16 = (value: number) => Buffer.from([value >>> 8, value & 0xff]);
const box = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body]);
};
const full = (type: string, version: number, flags: number, ...parts: Buffer[]) =>
  box(type, u32(((version << 24) | flags) >>> 0), ...parts);

function initSegment(kind: 'video' | 'audio', timescale: number): Buffer {
  const entry =
    kind === 'video'
      ? box('avc1', Buffer.alloc(78), box('avcC', Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 0])))
      : box('mp4a', Buffer.alloc(28), full('esds', 0, 0, Buffer.alloc(20)));
  const mdhd = full('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), u16(0x55c4), u16(0));
  const stbl = box(
    'stbl',
    full('stsd', 0, 0, u32(1), entry),
    full('stts', 0, 0, u32(0)),
    full('stsc', 0, 0, u32(0)),
    full('stsz', 0, 0, u32(0), u32(0)),
    full('stco', 0, 0, u32(0)),
  );
  const trak = box(
    'trak',
    full('tkhd', 0, 3, Buffer.alloc(80)),
    box('mdia', mdhd, full('hdlr', 0, 0, Buffer.alloc(21)), box('minf', stbl)),
  );
  // trex: track 1, sample description 1, default duration 512, default size 0, default flags 0
  const mvex = box('mvex', full('trex', 0, 0, u32(1), u32(1), u32(512), u32(0), u32(0)));
  return Buffer.concat([
    box('ftyp', Buffer.from('isom\0\0\x02\0isomiso6', 'latin1')),
    box('moov', full('mvhd', 0, 0, Buffer.alloc(96)), trak, mvex),
  ]);
}

/** moof + mdat with the samples; sample durations come from trex (512), sizes from trun. */
function fragment(sequence: number, baseTime: number, samples: Buffer[]): Buffer {
  const trun = (dataOffset: number) =>
    full('trun', 0, 0x1 | 0x200, u32(samples.length), u32(dataOffset), ...samples.map((s) => u32(s.length)));
  const tfhd = full('tfhd', 0, 0x020000, u32(1));
  const tfdt = full('tfdt', 1, 0, u32(0), u32(baseTime));
  const moof = (dataOffset: number) =>
    box('moof', full('mfhd', 0, 0, u32(sequence)), box('traf', tfhd, tfdt, trun(dataOffset)));
  const moofSize = moof(0).length;
  return Buffer.concat([moof(moofSize + 8), box('mdat', ...samples)]);
}

const nal = (header: number, length: number, fill: number) =>
  Buffer.concat([u32(length), Buffer.from([header]), Buffer.alloc(length - 1, fill)]);

/** H.264 samples: an SEI (clear) and an IDR slice; a slice too short to encrypt; an SEI over 65535 bytes. */
const videoSamples = () => [
  Buffer.concat([nal(0x06, 20, 0xaa), nal(0x65, 1000, 0x11)]),
  Buffer.concat([nal(0x41, 15, 0x22), nal(0x41, 333, 0x33)]),
  Buffer.concat([nal(0x06, 70_000, 0xbb), nal(0x41, 64, 0x44)]),
];
const audioSamples = () => [Buffer.alloc(371, 0x55), Buffer.alloc(5, 0x66), Buffer.alloc(200, 0x77)];

const child = (parent: ContainerBox | Box[], type: string): Box => {
  const found = (Array.isArray(parent) ? parent : parent.children).find((b) => b.type === type);
  if (!found) throw new Error(`no ${type}`);
  return found;
};
const container = (parent: ContainerBox | Box[], type: string) => child(parent, type) as ContainerBox;
const leaf = (parent: ContainerBox | Box[], type: string) => child(parent, type) as LeafBox;

interface AuxInfo {
  iv: Buffer;
  subsamples: Array<[number, number]>;
}

/** senc read straight from its bytes: per sample an 8-byte IV, then (flag 0x2) the subsample pairs. */
function readSenc(senc: Buffer): AuxInfo[] {
  const flags = senc.readUInt32BE(0) & 0xffffff;
  const count = senc.readUInt32BE(4);
  const entries: AuxInfo[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    const iv = senc.subarray(at, at + 8);
    at += 8;
    const subsamples: Array<[number, number]> = [];
    if (flags & 0x2) {
      const n = senc.readUInt16BE(at);
      at += 2;
      for (let j = 0; j < n; j++, at += 6) subsamples.push([senc.readUInt16BE(at), senc.readUInt32BE(at + 2)]);
    }
    entries.push({ iv, subsamples });
  }
  expect(at).toBe(senc.length);
  return entries;
}

/** What a CDM does: the protected ranges of a sample, concatenated, are one AES-128-CTR stream from the IV. */
function decryptSample(sample: Buffer, info: AuxInfo, key: Buffer): Buffer {
  const out = Buffer.from(sample);
  const decipher = createDecipheriv('aes-128-ctr', key, Buffer.concat([info.iv, Buffer.alloc(8)]));
  if (info.subsamples.length === 0) return decipher.update(sample);
  let at = 0;
  for (const [clear, encrypted] of info.subsamples) {
    at += clear;
    decipher.update(sample.subarray(at, at + encrypted)).copy(out, at);
    at += encrypted;
  }
  expect(at).toBe(sample.length);
  return out;
}

/** The samples of an encrypted fragment as trun locates them, with their senc entries and the saiz/saio view. */
function openFragment(bytes: Buffer) {
  const [moof, mdat] = parseBoxes(bytes);
  expect([moof.type, mdat.type]).toEqual(['moof', 'mdat']);
  const traf = container(moof as ContainerBox, 'traf');
  const trun = leaf(traf, 'trun').payload;
  const count = trun.readUInt32BE(4);
  const dataOffset = trun.readInt32BE(8);
  const sizes = Array.from({ length: count }, (_, i) => trun.readUInt32BE(12 + i * 4));
  let at = dataOffset;
  const samples = sizes.map((size) => bytes.subarray(at, (at += size)));
  const saiz = leaf(traf, 'saiz').payload;
  const saio = leaf(traf, 'saio').payload;
  const senc = leaf(traf, 'senc').payload;
  return { traf, dataOffset, samples, saiz, saio, senc, aux: readSenc(senc) };
}

describe('CENC packager (testing)', () => {
  describe('protectInit', () => {
    it('makes an H.264 init segment encv with sinf/frma/schm/tenc and a common-system pssh naming the kid', () => {
      const result = protectInit(initSegment('video', 12800), KID);
      expect(result).toMatchObject({ kind: 'video', codecs: 'avc1.42c01e', timescale: 12800 });
      const moov = container(parseBoxes(result.init), 'moov');
      const stsd = container(container(container(container(container(moov, 'trak'), 'mdia'), 'minf'), 'stbl'), 'stsd');
      const encv = container(stsd, 'encv');
      expect(encv.children.map((b) => b.type)).toEqual(['avcC', 'sinf']);
      const sinf = container(encv, 'sinf');
      expect(leaf(sinf, 'frma').payload.toString('latin1')).toBe('avc1');
      expect(leaf(sinf, 'schm').payload).toEqual(Buffer.from('00000000' + '63656e63' + '00010000', 'hex'));
      const tenc = leaf(container(sinf, 'schi'), 'tenc').payload;
      expect(tenc).toEqual(Buffer.concat([Buffer.from('0000000000000108', 'hex'), KID]));
      const pssh = leaf(moov, 'pssh').payload;
      expect(pssh.readUInt8(0)).toBe(1); // version 1 carries key IDs
      expect(pssh.subarray(4, 20)).toEqual(COMMON_SYSTEM_ID);
      expect(pssh.readUInt32BE(20)).toBe(1);
      expect(pssh.subarray(24, 40)).toEqual(KID);
      expect(pssh.readUInt32BE(40)).toBe(0); // no data
    });

    it('makes an AAC init segment enca, frma mp4a', () => {
      const result = protectInit(initSegment('audio', 48000), KID);
      expect(result).toMatchObject({ kind: 'audio', codecs: 'mp4a.40.2', timescale: 48000 });
      const moov = container(parseBoxes(result.init), 'moov');
      const stsd = container(container(container(container(container(moov, 'trak'), 'mdia'), 'minf'), 'stbl'), 'stsd');
      const enca = container(stsd, 'enca');
      expect(enca.children.map((b) => b.type)).toEqual(['esds', 'sinf']);
      expect(leaf(container(enca, 'sinf'), 'frma').payload.toString('latin1')).toBe('mp4a');
    });

    it('refuses an init segment with no H.264 or AAC entry, and a short kid', () => {
      const other = initSegment('video', 1).toString('latin1').replace('avc1', 'hev1');
      expect(() => protectInit(Buffer.from(other, 'latin1'), KID)).toThrow(/neither an avc1 nor an mp4a/);
      expect(() => protectInit(initSegment('video', 1), KID.subarray(1))).toThrow(/16 bytes/);
    });
  });

  describe('protectFragment', () => {
    const clearVideo = videoSamples();
    const video = protectFragment(fragment(1, 25600, clearVideo), 'video', KEY, FIRST_IV, 512);
    const opened = openFragment(video.fragment);

    it('adds saiz, saio and senc to the traf and keeps the timing', () => {
      expect(opened.traf.children.map((b) => b.type)).toEqual(['tfhd', 'tfdt', 'trun', 'saiz', 'saio', 'senc']);
      expect(video).toMatchObject({ baseTime: 25600, duration: 3 * 512, sampleCount: 3 });
      expect(opened.aux).toHaveLength(3);
      // saiz: no default size, three entries, each the size of its senc entry (IV + count + 6 per subsample)
      expect(opened.saiz.readUInt8(4)).toBe(0);
      expect(opened.saiz.readUInt32BE(5)).toBe(3);
      expect([...opened.saiz.subarray(9)]).toEqual(opened.aux.map((a) => 8 + 2 + 6 * a.subsamples.length));
    });

    it("points trun's data offset at the mdat's samples and saio at senc's first IV", () => {
      const moofSize = video.fragment.readUInt32BE(0);
      expect(opened.dataOffset).toBe(moofSize + 8);
      expect(opened.saio.readUInt32BE(4)).toBe(1);
      const saioOffset = opened.saio.readUInt32BE(8);
      expect(video.fragment.subarray(saioOffset, saioOffset + 8)).toEqual(opened.aux[0].iv);
      expect(opened.samples.map((s) => s.length)).toEqual(clearVideo.map((s) => s.length));
    });

    it('gives each sample the next IV and leaves length prefixes, NAL headers and short NALs clear', () => {
      expect(opened.aux.map((a) => a.iv.readBigUInt64BE(0))).toEqual([FIRST_IV, FIRST_IV + 1n, FIRST_IV + 2n]);
      // SEI (24 bytes) + prefix, header and 3 bytes of the IDR clear, 992 encrypted
      expect(opened.aux[0].subsamples).toEqual([[24 + 4 + 1 + 7, 992]]);
      // the 15-byte slice stays clear; the 333-byte one: 4 + 1 + 12 clear, 320 encrypted
      expect(opened.aux[1].subsamples).toEqual([[19 + 4 + 1 + 12, 320]]);
      // a clear run over 65535 bytes is split across subsamples with no protected bytes
      expect(opened.aux[2].subsamples).toEqual([
        [0xffff, 0],
        [70_004 - 0xffff + 4 + 1 + 15, 48],
      ]);
      expect(opened.samples[0].subarray(0, 36)).toEqual(clearVideo[0].subarray(0, 36));
      expect(opened.samples[0].subarray(36)).not.toEqual(clearVideo[0].subarray(36));
    });

    it('decrypts back to the clear samples with the key, and not with another key', () => {
      opened.samples.forEach((sample, i) => {
        expect(decryptSample(sample, opened.aux[i], KEY).equals(clearVideo[i])).toBe(true);
      });
      const otherKey = Buffer.alloc(16, 7);
      expect(decryptSample(opened.samples[0], opened.aux[0], otherKey).equals(clearVideo[0])).toBe(false);
    });

    it('encrypts AAC samples whole: senc without subsamples, 8-byte IVs', () => {
      const clearAudio = audioSamples();
      const audio = protectFragment(fragment(2, 1024, clearAudio), 'audio', KEY, 77n, 1024);
      const view = openFragment(audio.fragment);
      expect(view.senc.readUInt32BE(0) & 0xffffff).toBe(0);
      expect([...view.saiz.subarray(9)]).toEqual([8, 8, 8]);
      expect(view.aux.map((a) => a.iv.readBigUInt64BE(0))).toEqual([77n, 78n, 79n]);
      view.samples.forEach((sample, i) => {
        expect(sample.equals(clearAudio[i])).toBe(false);
        expect(decryptSample(sample, view.aux[i], KEY)).toEqual(clearAudio[i]);
      });
    });

    it('refuses fragments it cannot place samples in', () => {
      const explicitBase = fragment(1, 0, audioSamples());
      explicitBase.writeUInt32BE(0x01, explicitBase.indexOf('tfhd') + 4); // base-data-offset flag, not moof-based
      expect(() => protectFragment(explicitBase, 'audio', KEY, 0n)).toThrow(/default-base-is-moof/);
      const notNal = fragment(1, 0, [Buffer.from([0, 0, 0, 9, 0x65, 1])]);
      expect(() => protectFragment(notNal, 'video', KEY, 0n)).toThrow(/length-prefixed NAL units/);
    });
  });

  describe('splitFragmentedMp4', () => {
    it('cuts a file into init segment and moof+mdat fragments and reads trex', () => {
      const init = initSegment('video', 12800);
      const fragments = [fragment(1, 0, videoSamples()), fragment(2, 1536, videoSamples())];
      const split = splitFragmentedMp4(Buffer.concat([init, ...fragments]));
      expect(split.init).toEqual(init);
      expect(split.fragments.map((f, i) => f.equals(fragments[i]))).toEqual([true, true]);
      expect(split.trexDefaultDuration).toBe(512);
      expect(() => splitFragmentedMp4(init)).toThrow(/no moof/);
    });
  });

  describe('dashManifest', () => {
    it('names the cenc scheme with the default KID and the Clear Key system, with a segment timeline', () => {
      const mpd = dashManifest(
        [
          {
            name: 'video',
            kind: 'video',
            codecs: 'avc1.42c01e',
            timescale: 12800,
            segments: [
              { start: 0, duration: 12800 },
              { start: 12800, duration: 12800 },
            ],
          },
        ],
        KID,
        2,
      );
      expect(mpd).toContain('cenc:default_KID="fb2a3c5e-3b1c-4f8a-9d0e-7b6c5a493827"');
      expect(mpd).toContain('schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"');
      expect(mpd).toContain('<S t="0" d="12800"/><S t="12800" d="12800"/>');
      expect(mpd).toContain('media="video-$Number$.m4s"');
      expect(mpd).toContain('mediaPresentationDuration="PT2S"');
    });
  });

  describe('makeClearKeyClip', () => {
    const dir = join(tmpdir(), 'openplay-clip-spec');
    it('says which ffmpeg it could not find', async () => {
      await expect(makeClearKeyClip({ kid: KID, key: KEY, dir, ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toThrow(
        'ffmpeg is missing at /nonexistent/ffmpeg',
      );
    });
    it('refuses keys and durations it cannot use', async () => {
      await expect(makeClearKeyClip({ kid: KID.subarray(2), key: KEY, dir })).rejects.toThrow(/16 bytes/);
      await expect(makeClearKeyClip({ kid: KID, key: KEY, dir, seconds: 0 })).rejects.toThrow(/seconds/);
    });
  });
});
