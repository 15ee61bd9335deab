import { inspect } from 'node:util';
import { createKeyRing, generateKeyRingEntry, KeyRing, MAX_KEY_ID, parseKeyRing } from './key-ring';

const HEX_A = 'a'.repeat(64);
const HEX_B = '0123456789abcdef'.repeat(4);
const HEX_C = 'FEDCBA9876543210'.repeat(4);

describe('parseKeyRing', () => {
  it('reads <id>:<64 hex> entries, the first one sealing', () => {
    const ring = parseKeyRing(`7:${HEX_A},3:${HEX_B},255:${HEX_C}`);
    expect(ring).toBeInstanceOf(KeyRing);
    expect(ring.sealingKeyId).toBe(7);
    expect(ring.keyIds).toEqual([7, 3, 255]);
    expect([7, 3, 255].map((id) => ring.has(id))).toEqual([true, true, true]);
    expect([0, 1, 256, 7.5, NaN].map((id) => ring.has(id))).toEqual([false, false, false, false, false]);
  });

  it('ignores blanks around entries and accepts upper-case hex', () => {
    expect(parseKeyRing(`  1:${HEX_C} ,\n 2:${HEX_A}\n`).keyIds).toEqual([1, 2]);
  });

  it.each([
    ['empty text', '', /TOKEN_KEYS is empty/],
    ['blank text', '  \n', /TOKEN_KEYS is empty/],
    ['no id', HEX_A, /entry 1 of 1 is not <id>:<64 hex digits>/],
    ['short key', `1:${HEX_A.slice(2)}`, /entry 1 of 1 is not/],
    ['long key', `1:${HEX_A}ab`, /entry 1 of 1 is not/],
    ['non-hex key', `1:${HEX_A.slice(1)}g`, /entry 1 of 1 is not/],
    ['empty entry', `1:${HEX_A},`, /entry 2 of 2 is not/],
    ['separator ;', `1:${HEX_A};2:${HEX_B}`, /entry 1 of 1 is not/],
    ['id 0', `0:${HEX_A}`, /entry 1 of 1: key id must be an integer 1-255/],
    ['id 256', `1:${HEX_B},256:${HEX_A}`, /entry 2 of 2: key id must be an integer 1-255/],
    ['negative id', `-1:${HEX_A}`, /entry 1 of 1 is not/],
    ['duplicate id', `4:${HEX_A},04:${HEX_B}`, /entry 2 of 2: key id 4 is listed twice/],
  ])('refuses %s with one line', (_name, text, message) => {
    expect(() => parseKeyRing(text)).toThrow(message);
    try {
      parseKeyRing(text);
    } catch (error) {
      const line = (error as Error).message;
      expect(line).not.toContain('\n');
      expect(line.toLowerCase()).not.toMatch(/[0-9a-f]{16}/);
    }
  });

  it('keeps key material out of inspect, JSON and strings', () => {
    const ring = parseKeyRing(`9:${HEX_B},2:${HEX_C}`);
    for (const shown of [inspect(ring, { showHidden: true, depth: 5 }), JSON.stringify(ring), String(ring)]) {
      expect(shown.toLowerCase()).not.toContain(HEX_B.slice(0, 16));
      expect(shown.toLowerCase()).not.toContain(HEX_C.toLowerCase().slice(0, 16));
      expect(shown).toContain('9');
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ sealingKeyId: 9, keyIds: [9, 2] });
    expect(inspect(ring)).toBe('KeyRing(9,2)');
  });
});

describe('createKeyRing', () => {
  it('takes Buffers and copies them', () => {
    const key = Buffer.alloc(32, 5);
    const ring = createKeyRing([{ id: 1, key }]);
    key.fill(0);
    expect(ring.sealingKeyId).toBe(1);
  });

  it.each([
    ['no keys', [], /at least one key/],
    ['a short key', [{ id: 1, key: Buffer.alloc(31) }], /entry 1: key must be 32 bytes/],
    ['a bad id', [{ id: 1.5, key: Buffer.alloc(32) }], /entry 1: key id must be an integer/],
    [
      'a repeated id',
      [
        { id: 2, key: Buffer.alloc(32) },
        { id: 2, key: Buffer.alloc(32, 1) },
      ],
      /listed twice/,
    ],
  ])('refuses %s', (_name, entries, message) => {
    expect(() => createKeyRing(entries)).toThrow(message);
  });
});

describe('generateKeyRingEntry', () => {
  it('makes a fresh entry that parses', () => {
    const a = generateKeyRingEntry(MAX_KEY_ID);
    const b = generateKeyRingEntry(1);
    expect(a).toMatch(/^255:[0-9a-f]{64}$/);
    expect(a.slice(4)).not.toBe(b.slice(2));
    expect(parseKeyRing(`${a},${b}`).keyIds).toEqual([255, 1]);
  });

  it.each([0, 256, 1.5, -3])('refuses id %p', (id) => {
    expect(() => generateKeyRingEntry(id)).toThrow('key id must be an integer 1-255');
  });
});
