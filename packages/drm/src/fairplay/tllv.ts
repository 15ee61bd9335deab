import { malformed } from './errors';

/**
 * TLLV (tag, block length, value length, value) as used in SPC and CKC payloads:
 * tag u64 ‖ block length L1 u32 ‖ value length L2 u32 ‖ value (L2) ‖ padding (L1 − L2).
 * L1 excludes the 16-byte header and is a multiple of 16.
 */
export interface Tllv {
  /** 16 lower-case hex digits. */
  readonly tag: string;
  readonly value: Buffer;
  /** Header, value and padding exactly as received (what a return request echoes). */
  readonly raw: Buffer;
}

export const TLLV_HEADER_SIZE = 16;

/**
 * Parses a decrypted SPC (or CKC) payload into its TLLVs, in order. Throws ExpressPlayError(-6004) on a
 * truncated header, a block length that is not a multiple of 16 or overruns the payload, a value length
 * above the block length, or a duplicate tag. Unknown tags are kept.
 */
export function parseTllvs(payload: Buffer): Tllv[] {
  return parseTllvsIndexed(payload).tllvs;
}

/** parseTllvs, with the TLLVs also indexed by tag (the index is what finds duplicates). */
export function parseTllvsIndexed(payload: Buffer): { tllvs: Tllv[]; byTag: TllvIndex } {
  const tllvs: Tllv[] = [];
  let offset = 0;
  while (offset < payload.length) {
    if (payload.length - offset < TLLV_HEADER_SIZE) {
      throw malformed(`TLLV header truncated at payload offset ${offset}`);
    }
    const tag = tagAt(payload, offset);
    const blockLength = payload.readUInt32BE(offset + 8);
    const valueLength = payload.readUInt32BE(offset + 12);
    if (blockLength % 16 !== 0) {
      throw malformed(`TLLV ${tag}: block length ${blockLength} is not a multiple of 16`);
    }
    if (valueLength > blockLength) {
      throw malformed(`TLLV ${tag}: value length ${valueLength} exceeds block length ${blockLength}`);
    }
    const end = offset + TLLV_HEADER_SIZE + blockLength;
    if (end > payload.length) {
      throw malformed(`TLLV ${tag}: block length ${blockLength} overruns the payload`);
    }
    tllvs.push(new PayloadTllv(tag, payload, offset, valueLength, end));
    offset = end;
  }
  const byTag = new TllvIndex(tllvs);
  const duplicate = byTag.firstDuplicate();
  if (duplicate !== undefined) throw malformed(`duplicate TLLV ${duplicate}`);
  return { tllvs, byTag };
}

/** Up to this many TLLVs, lookups scan the list; an SPC carries a score of them. */
const SCAN_LIMIT = 48;

/**
 * TLLVs by tag. A payload carries a score of TLLVs, and filling a Map per SPC cost more than the lookups it saved:
 * small payloads are scanned, comparing tags that tagAt gives as internalized strings (one pointer comparison each
 * against another tagAt tag or a SPC_TAG constant); payloads with more TLLVs than SCAN_LIMIT (only hostile ones) get
 * a Map, so that no SPC makes lookups or the duplicate check quadratic.
 */
export class TllvIndex {
  readonly #tllvs: readonly Tllv[];
  readonly #map?: ReadonlyMap<string, Tllv>;

  constructor(tllvs: readonly Tllv[]) {
    this.#tllvs = tllvs;
    if (tllvs.length > SCAN_LIMIT) {
      const map = new Map<string, Tllv>();
      for (const tllv of tllvs) if (!map.has(tllv.tag)) map.set(tllv.tag, tllv);
      this.#map = map;
    }
  }

  get(tag: string): Tllv | undefined {
    if (this.#map) return this.#map.get(tag);
    for (const tllv of this.#tllvs) if (tllv.tag === tag) return tllv;
    return undefined;
  }

  has(tag: string): boolean {
    return this.get(tag) !== undefined;
  }

  /** The first tag that appears twice, if any. */
  firstDuplicate(): string | undefined {
    const tllvs = this.#tllvs;
    if (this.#map)
      return this.#map.size === tllvs.length
        ? undefined
        : tllvs.find((t, i) => this.#map!.get(t.tag) !== tllvs[i])?.tag;
    for (let i = 1; i < tllvs.length; i++) {
      const tag = tllvs[i].tag;
      for (let j = 0; j < i; j++) if (tllvs[j].tag === tag) return tag;
    }
    return undefined;
  }
}

/**
 * A TLLV where it lies in its payload. Its value and raw bytes are views made when first read: an SPC carries a
 * score of TLLVs, most of them never read (unknown tags, or tags the KSM ignores), and a Buffer view per field of
 * each was a sizeable share of what a CKC allocated.
 */
class PayloadTllv implements Tllv {
  #value?: Buffer;
  #raw?: Buffer;

  constructor(
    readonly tag: string,
    private readonly payload: Buffer,
    private readonly offset: number,
    private readonly valueLength: number,
    private readonly end: number,
  ) {}

  get value(): Buffer {
    const start = this.offset + TLLV_HEADER_SIZE;
    return (this.#value ??= this.payload.subarray(start, start + this.valueLength));
  }

  get raw(): Buffer {
    return (this.#raw ??= this.payload.subarray(this.offset, this.end));
  }
}

/** Hex spellings of the tags met so far, by their two 32-bit halves: SPCs carry the same few dozen tags. */
const TAG_NAMES = new Map<number, Map<number, string>>();
let tagNameCount = 0;
const MAX_TAG_NAMES = 4096;

/** The 8-byte tag at `offset` as 16 lower-case hex digits (as `toString('hex')`), from a bounded cache. */
export function tagAt(bytes: Buffer, offset: number): string {
  const high = bytes.readUInt32BE(offset);
  const low = bytes.readUInt32BE(offset + 4);
  let byLow = TAG_NAMES.get(high);
  let name = byLow?.get(low);
  if (name === undefined) {
    // Internalized (a property key's string is), so that comparing two tags compares pointers.
    name = Object.keys({ [bytes.toString('hex', offset, offset + 8)]: 0 })[0]!;
    if (tagNameCount < MAX_TAG_NAMES) {
      if (byLow === undefined) TAG_NAMES.set(high, (byLow = new Map<number, string>()));
      byLow.set(low, name);
      tagNameCount++;
    }
  }
  return name;
}

/** Writes a TLLV header at `offset` of `target`; returns the offset of the value. */
export function writeTllvHeader(
  target: Buffer,
  offset: number,
  tag: string,
  blockLength: number,
  valueLength: number,
): number {
  target.write(tag, offset, 8, 'hex');
  target.writeUInt32BE(blockLength, offset + 8);
  target.writeUInt32BE(valueLength, offset + 12);
  return offset + TLLV_HEADER_SIZE;
}

/** Encodes one TLLV with the given padding (its length fixes the block length: value + padding, multiple of 16). */
export function encodeTllv(tag: string, value: Buffer, padding: Buffer = Buffer.alloc(padTo16(value.length))): Buffer {
  const blockLength = value.length + padding.length;
  if (blockLength % 16 !== 0) throw new RangeError('TLLV block length must be a multiple of 16');
  const out = Buffer.allocUnsafe(TLLV_HEADER_SIZE + blockLength);
  const valueAt = writeTllvHeader(out, 0, tag, blockLength, value.length);
  value.copy(out, valueAt);
  padding.copy(out, valueAt + value.length);
  return out;
}

/** Bytes of padding that bring `length` to a multiple of 16. */
export function padTo16(length: number): number {
  return (16 - (length % 16)) % 16;
}
