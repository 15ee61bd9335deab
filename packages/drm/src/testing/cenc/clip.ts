import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type DashTrack, dashManifest } from './manifest';
import { protectFragment, protectInit, splitFragmentedMp4 } from './protect';

const run = promisify(execFile);

/** Debian's ffmpeg unless FFMPEG_PATH names another. */
export const defaultFfmpegPath = (): string => process.env.FFMPEG_PATH ?? '/usr/bin/ffmpeg';

export interface ClearKeyClipOptions {
  /** 16-byte key ID and content key. */
  readonly kid: Buffer;
  readonly key: Buffer;
  /** Where the manifest and segments go (created if missing; files of an earlier clip are overwritten). */
  readonly dir: string;
  /** Whole seconds of media, 4 by default. */
  readonly seconds?: number;
  readonly ffmpegPath?: string;
}

export interface ClearKeyClip {
  readonly dir: string;
  /** The manifest's file name in `dir`. */
  readonly manifest: string;
  readonly durationSeconds: number;
  readonly tracks: readonly DashTrack[];
}

/** The file `makeClearKeyClip` writes beside the manifest: what a page needs to know about the clip (no key). */
export const CLIP_INFO_FILE = 'clip.json';

// Video: testsrc2 as H.264 baseline, one key frame (and so one fragment) per second. Audio: a 440 Hz sine as AAC-LC,
// cut by duration since every AAC frame is a key frame (frag_keyframe would make a fragment per 21 ms frame).
const encodings = (seconds: number) => ({
  video: [
    ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', String(seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'],
    ...['-g', '25', '-keyint_min', '25', '-sc_threshold', '0'],
    ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof'],
  ],
  audio: [
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds)],
    ...['-c:a', 'aac', '-b:a', '64k'],
    ...['-movflags', 'empty_moov+default_base_moof', '-frag_duration', '1000000'],
  ],
});

/**
 * A CENC-encrypted ('cenc', one key) DASH clip for Clear Key playback tests and demos: ffmpeg makes clear
 * fragmented MP4 (a test pattern and a tone), this package's packager encrypts it (ffmpeg 5.1's own CENC output
 * lacks the per-fragment senc/saiz/saio that MSE needs) and writes the manifest, the segments and `clip.json`.
 * About a second on two cores for the default four seconds.
 */
export async function makeClearKeyClip(options: ClearKeyClipOptions): Promise<ClearKeyClip> {
  const { kid, key, dir } = options;
  const seconds = options.seconds ?? 4;
  const ffmpeg = options.ffmpegPath ?? defaultFfmpegPath();
  if (kid.length !== 16 || key.length !== 16) throw new Error('the key ID and the key are 16 bytes each');
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new Error('seconds: a whole 1–600');
  await mkdir(dir, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'openplay-clip-'));
  try {
    const clear = await Promise.all(
      Object.entries(encodings(seconds)).map(async ([name, args]) => {
        const file = join(scratch, `${name}.mp4`);
        try {
          await run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args, file], {
            timeout: 60_000,
          });
        } catch (error) {
          const { code, stderr } = error as { code?: string; stderr?: string };
          if (code === 'ENOENT')
            throw new Error(`ffmpeg is missing at ${ffmpeg} (apt-get install ffmpeg)`, { cause: error });
          throw new Error(`ffmpeg failed making the ${name} track: ${stderr?.trim() || String(error)}`, {
            cause: error,
          });
        }
        return { name, file: await readFile(file) };
      }),
    );
    // One IV sequence for every sample under the key: no IV is used twice.
    let nextIv = BigInt.asUintN(64, BigInt(`0x${kid.toString('hex', 0, 4)}00000000`));
    const tracks: DashTrack[] = [];
    for (const { name, file } of clear) {
      const { init, fragments, trexDefaultDuration } = splitFragmentedMp4(file);
      const protectedInit = protectInit(init, kid);
      await writeFile(join(dir, `${name}-init.mp4`), protectedInit.init);
      const segments = [];
      for (const [i, fragment] of fragments.entries()) {
        const encrypted = protectFragment(fragment, protectedInit.kind, key, nextIv, trexDefaultDuration);
        nextIv += BigInt(encrypted.sampleCount);
        await writeFile(join(dir, `${name}-${i + 1}.m4s`), encrypted.fragment);
        segments.push({ start: encrypted.baseTime, duration: encrypted.duration });
      }
      const { kind, codecs, timescale } = protectedInit;
      tracks.push({ name, kind, codecs, timescale, segments });
    }
    const manifest = 'manifest.mpd';
    await writeFile(join(dir, manifest), dashManifest(tracks, kid, seconds));
    const info = { manifest, kid: kid.toString('hex'), durationSeconds: seconds, tracks };
    await writeFile(join(dir, CLIP_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
    return { dir, manifest, durationSeconds: seconds, tracks };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
