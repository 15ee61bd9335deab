/** ISO BMFF boxes as a tree, just enough of it to re-write the boxes CENC adds to and to serialize them again. */

/** A box whose payload is kept verbatim. */
export interface LeafBox {
  type: string;
  payload: Buffer;
}

/** A box holding boxes, after `prefix` (the fields some container-like boxes have before their children). */
export interface ContainerBox {
  type: string;
  prefix: Buffer;
  children: Box[];
}

export type Box = LeafBox | ContainerBox;

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf', 'sinf', 'schi']);
/** Bytes between a box's header and its children: stsd's version/flags + entry count, a sample entry's own fields. */
const PREFIX: Readonly<Record<string, number>> = { stsd: 8, avc1: 78, encv: 78, mp4a: 28, enca: 28 };

export const isContainer = (box: Box): box is ContainerBox => 'children' in box;

/** The boxes of `buf[start, end)`; a box that runs past its parent's end is an error. */
export function parseBoxes(buf: Buffer, start = 0, end = buf.length): Box[] {
  const boxes: Box[] = [];
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
  if (at !== end) throw new Error(`${end - at} stray bytes after the last box`);
  return boxes;
}

export function serializeBoxes(boxes: readonly Box[]): Buffer {
  return Buffer.concat(
    boxes.map((box) => {
      const body = isContainer(box) ? Buffer.concat([box.prefix, serializeBoxes(box.children)]) : box.payload;
      const header = Buffer.alloc(8);
      header.writeUInt32BE(body.length + 8);
      header.write(box.type, 4, 'latin1');
      return Buffer.concat([header, body]);
    }),
  );
}

export const leafBox = (type: string, payload: Buffer): LeafBox => ({ type, payload });

export const containerBox = (type: string, children: Box[], prefix = Buffer.alloc(0)): ContainerBox => ({
  type,
  prefix,
  children,
});

/** A full box: version and 24-bit flags before the payload. */
export function fullBox(type: string, version: number, flags: number, payload: Buffer): LeafBox {
  const head = Buffer.alloc(4);
  head.writeUInt32BE((((version & 0xff) << 24) | (flags & 0xffffff)) >>> 0);
  return leafBox(type, Buffer.concat([head, payload]));
}

/** The first box of `type` among `boxes`, or undefined. */
export const findBox = (boxes: readonly Box[], type: string): Box | undefined => boxes.find((box) => box.type === type);

/** The box at `types` (a path of first matches) below `boxes`; throws naming the path when it is absent. */
export function boxAt(boxes: readonly Box[], ...types: string[]): Box {
  let children = boxes;
  let box: Box | undefined;
  for (const [depth, type] of types.entries()) {
    box = findBox(children, type);
    if (!box) throw new Error(`no ${types.slice(0, depth + 1).join('/')} box`);
    if (isContainer(box)) children = box.children;
    else if (depth < types.length - 1) throw new Error(`${types.slice(0, depth + 1).join('/')} holds no boxes`);
  }
  if (!box) throw new Error('an empty box path');
  return box;
}

export function leafAt(boxes: readonly Box[], ...types: string[]): LeafBox {
  const box = boxAt(boxes, ...types);
  if (isContainer(box)) throw new Error(`${types.join('/')} is a container`);
  return box;
}

export function containerAt(boxes: readonly Box[], ...types: string[]): ContainerBox {
  const box = boxAt(boxes, ...types);
  if (!isContainer(box)) throw new Error(`${types.join('/')} is not a container`);
  return box;
}
