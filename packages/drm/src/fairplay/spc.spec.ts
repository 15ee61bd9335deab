/** Bad input: every malformed or unauthenticated SPC ends in the right ExpressPlayError, never another exception. */
import {
  DEV_DASK,
  devCredentials,
  devKsm,
  expressPlayError,
  fixture,
  policy,
  synthetic,
} from '../../test/fixtures/fairplay/fixtures';
import { encodeSpc, type SpcDraft } from '../testing';
import { createSoftwareFairPlayKsm, parseTllvs } from '.';
import { REQUIRED_SPC_TAGS, SPC_TAG } from './constants';

const grant = { contentKey: Buffer.alloc(16, 0x3c), iv: Buffer.alloc(16, 0x01), policy: policy() };
const ksm = devKsm();
const devCert = fixture('credentials/dev_certificate.der');
const spc1 = fixture('FPS/spc1.bin');

function spc(draft: Partial<SpcDraft> = {}): Buffer {
  return encodeSpc({ certificate: devCert, dask: DEV_DASK, ...draft });
}

/** The ExpressPlayError createCkcSync throws for `input`. */
function failure(input: Buffer, g = grant, k = ksm) {
  return expressPlayError(() => k.createCkcSync(input, g));
}

describe('SPC container', () => {
  it.each([0, 3, 4, 100, 175])('rejects an SPC truncated to %i bytes with -6004', (length) => {
    const error = failure(spc1.subarray(0, length));
    expect(error.code).toBe(-6004);
    expect(error.details).toMatch(/truncated/);
  });

  it('rejects a payload that overruns the SPC (-6004)', () => {
    expect(failure(spc1.subarray(0, spc1.length - 16)).details).toMatch(/payload length 2688 overruns/);
  });

  it('accepts trailing bytes after the payload (as Apple SDK 26 does)', () => {
    expect(ksm.createCkcSync(Buffer.concat([spc1, Buffer.alloc(5)]), grant).ckc.length).toBeGreaterThan(0);
  });

  it('rejects a payload length that is not a positive multiple of 16 (-6004)', () => {
    for (const length of [0, 2687]) {
      const copy = Buffer.from(spc1);
      copy.writeUInt32BE(length, 172);
      expect(failure(copy).details).toMatch(/not a positive multiple of 16/);
    }
  });

  it.each([
    [0, /unsupported SPC version 0x00000000$/],
    [3, /version 0x00000003 \(SPC v3 needs Apple libfpscrypto/],
    [0x308204d3, /looks like a DER certificate/],
  ])('rejects container version %i (-6004)', (version, message) => {
    const copy = Buffer.from(spc1);
    copy.writeUInt32BE(version, 0);
    const error = failure(copy);
    expect(error.code).toBe(-6004);
    expect(error.details).toMatch(message);
  });

  it('rejects a certificate hash no credential set has (-4001, naming the hash)', () => {
    const copy = Buffer.from(spc1);
    copy.fill(0xab, 152, 172);
    const error = failure(copy);
    expect(error.code).toBe(-4001);
    expect(error.details).toBe(`no FairPlay credentials for certificate hash ${'ab'.repeat(20)}`);
    expect(error.status).toBe(401);
  });

  it('rejects a wrapped key the private key does not open (-4001)', () => {
    const copy = Buffer.from(spc1);
    copy[60] ^= 0x01;
    const error = failure(copy);
    expect(error.code).toBe(-4001);
    expect(error.details).toMatch(/does not decrypt/);
  });

  it('rejects a v1 SPC naming a 2048-bit credential set, and a v2 SPC naming a 1024-bit one (-4001)', () => {
    const both = createSoftwareFairPlayKsm([devCredentials(), synthetic(2048)]);
    const v1For2048 = Buffer.from(spc1);
    v1For2048.set(both.openSpc(spc({ version: 1, certificate: devCert })).container.certificateHash, 152);
    const twoK = encodeSpc({ certificate: fixture('synthetic/rsa2048_certificate.der'), dask: DEV_DASK, version: 2 });
    const v1 = Buffer.from(spc1);
    v1.set(twoK.subarray(280, 300), 152); // the 2048-bit certificate's hash in a v1 container
    expect(failure(v1, grant, both).details).toMatch(/SPC version 1 does not fit the RSA-2048 credentials/);
    const v2 = Buffer.from(twoK);
    v2.set(spc1.subarray(152, 172), 280); // the 1024-bit certificate's hash in a v2 container
    expect(failure(v2, grant, both).details).toMatch(/SPC version 2 does not fit the RSA-1024 credentials/);
  });
});

/** Rewrites the u32 at `offset` of the plaintext payload (the first TLLV starts at 0). */
const setU32 = (offset: number, value: number) => (payload: Buffer) => {
  const copy = Buffer.from(payload);
  copy.writeUInt32BE(value, offset);
  return copy;
};

describe('SPC payload TLLVs', () => {
  it('rejects a block length that overruns the payload (-6004)', () => {
    expect(failure(spc({ transformPayload: setU32(8, 0x7ffffff0) })).details).toMatch(
      /block length 2147483632 overruns/,
    );
  });

  it('rejects a value length over the block length (-6004)', () => {
    const error = failure(spc({ transformPayload: setU32(12, 0x200) }));
    expect(error.code).toBe(-6004);
    expect(error.details).toBe(`TLLV ${SPC_TAG.sessionKeyR1}: value length 512 exceeds block length 112`);
  });

  it('rejects a block length that is not a multiple of 16 (-6004)', () => {
    expect(failure(spc({ transformPayload: setU32(8, 113) })).details).toMatch(
      /block length 113 is not a multiple of 16/,
    );
  });

  it('rejects a truncated TLLV header (-6004)', () => {
    // Whole-block SPC payloads cannot end inside a header, so this is checked on the parser itself.
    const error = expressPlayError(() => parseTllvs(Buffer.concat([Buffer.alloc(16), Buffer.alloc(8)])));
    expect(error.code).toBe(-6004);
    expect(error.details).toBe('TLLV header truncated at payload offset 16');
  });

  it('rejects duplicate tags (-6004)', () => {
    const error = failure(spc({ extraTllvs: [{ tag: SPC_TAG.r2, value: Buffer.alloc(21) }] }));
    expect(error.code).toBe(-6004);
    expect(error.details).toBe(`duplicate TLLV ${SPC_TAG.r2}`);
  });

  it('finds tags and duplicates the same way in an SPC with more TLLVs than a lookup scans (a Map then)', () => {
    const filler = Array.from({ length: 60 }, (_, i) => ({
      tag: `7000000000000${String(i).padStart(3, '0')}`,
      value: Buffer.from([i]),
    }));
    const opened = ksm.openSpc(spc({ extraTllvs: filler, returnRequest: [filler[59].tag] }));
    expect(opened.payload.byTag.get(filler[42].tag)?.value).toEqual(Buffer.from([42]));
    expect(opened.payload.byTag.get(SPC_TAG.r2)?.value).toHaveLength(21);
    const error = failure(spc({ extraTllvs: [...filler, { tag: filler[3].tag, value: Buffer.alloc(1) }] }));
    expect(error.details).toBe(`duplicate TLLV ${filler[3].tag}`);
  });

  it.each(REQUIRED_SPC_TAGS.map(([name, tag]) => [name, tag]))('rejects an SPC without %s (-6004)', (name, tag) => {
    const error = failure(spc({ omitTags: [tag], returnRequest: [] }));
    expect(error.code).toBe(-6004);
    expect(error.details).toBe(`SPC lacks the required ${name} TLLV (${tag})`);
  });

  it('keeps unknown tags and echoes the requested ones', () => {
    const unknown = { tag: '0123456789abcdef', value: Buffer.from('kept'), padding: Buffer.alloc(28, 0x77) };
    const draft = spc({ extraTllvs: [unknown], returnRequest: ['0123456789abcdef'] });
    const opened = ksm.openSpc(draft);
    expect(opened.payload.byTag.get('0123456789abcdef')?.value.toString()).toBe('kept');
  });

  it('rejects a return request for a tag the SPC lacks (-6004)', () => {
    expect(failure(spc({ returnRequest: ['0123456789abcdef'] })).details).toBe(
      'the return request asks for TLLV 0123456789abcdef, which the SPC lacks',
    );
  });

  it.each<[string, Partial<SpcDraft>, RegExp]>([
    ['R2 of 20 bytes', { r2: Buffer.alloc(20) }, /R2 TLLV value is 20 bytes, expected 21/],
    ['a 1-byte asset ID', { assetId: Buffer.alloc(1) }, /asset ID TLLV value is 1 bytes/],
    ['a 201-byte asset ID', { assetId: Buffer.alloc(201) }, /asset ID TLLV value is 201 bytes/],
    ['a 7-byte transaction ID', { transactionId: Buffer.alloc(7) }, /transaction ID TLLV value is 7 bytes/],
    ['a 15-byte anti-replay seed', { antiReplaySeed: Buffer.alloc(15) }, /anti-replay seed TLLV value is 15 bytes/],
    ['an empty supported-versions list', { protocolVersionsSupported: [] }, /protocol versions supported/],
    [
      'a 15-byte playback state',
      { extraTllvs: [{ tag: SPC_TAG.mediaPlaybackState, value: Buffer.alloc(15) }] },
      /media playback state TLLV value is 15 bytes/,
    ],
    [
      'an 8-byte capabilities TLLV',
      { extraTllvs: [{ tag: SPC_TAG.capabilities, value: Buffer.alloc(8) }] },
      /capabilities TLLV value is 8 bytes/,
    ],
    [
      'a short offline sync v1',
      { extraTllvs: [{ tag: SPC_TAG.offlineSync, value: Buffer.from('0000000100000000', 'hex') }] },
      /offline sync v1 TLLV value is 8 bytes/,
    ],
  ])('rejects %s (-6004)', (_name, draft, message) => {
    const error = failure(spc(draft));
    expect(error.code).toBe(-6004);
    expect(error.details).toMatch(message);
  });

  it('rejects a return request whose length is not a multiple of 8 (-6004)', () => {
    const error = failure(
      spc({
        omitTags: [SPC_TAG.returnRequest],
        extraTllvs: [{ tag: SPC_TAG.returnRequest, value: Buffer.alloc(7) }],
      }),
    );
    expect(error.details).toMatch(/return request TLLV value is 7 bytes/);
  });
});

describe('[SK..R1] and its integrity', () => {
  it('rejects an integrity TLLV that does not match (-4001)', () => {
    const error = failure(spc({ integrity: Buffer.alloc(16, 0xee) }));
    expect(error.code).toBe(-4001);
    expect(error.details).toBe('SPC integrity check failed: [SK..R1] does not match its integrity TLLV');
  });

  it('rejects a corrupted [SK..R1] (-4001)', () => {
    // [SK..R1] is the first TLLV: its ciphertext starts at 16 (header) + 16 (IV).
    const flip = (payload: Buffer) => {
      const copy = Buffer.from(payload);
      copy[16 + 16 + 90] ^= 0x80;
      return copy;
    };
    expect(failure(spc({ transformPayload: flip })).code).toBe(-4001);
  });

  it('rejects an SPC made with another DASk (-4001)', () => {
    expect(failure(spc({ dask: Buffer.alloc(16, 9) })).code).toBe(-4001);
  });

  it('turns a failing DASk provider into -6004 and passes its ExpressPlayErrors through', () => {
    const broken = createSoftwareFairPlayKsm([
      {
        certificate: devCert,
        privateKey: devCredentials().privateKey,
        daskProvider: {
          deriveDask: () => {
            throw new Error('HSM offline: secret 00112233');
          },
        },
      },
    ]);
    const error = failure(spc1, grant, broken);
    expect(error.code).toBe(-6004);
    expect(error.details).toBe('the DASk provider failed');
    const short = createSoftwareFairPlayKsm([
      {
        certificate: devCert,
        privateKey: devCredentials().privateKey,
        daskProvider: { deriveDask: () => Buffer.alloc(8) },
      },
    ]);
    expect(failure(spc1, grant, short).details).toBe('the DASk provider returned no 16-byte key');
  });
});

describe('protocol versions and playback state', () => {
  it('rejects a client that does not use the highest common version, or shares none (-6004)', () => {
    expect(failure(spc({ protocolVersionUsed: 2, protocolVersionsSupported: [1, 2] })).details).toBe(
      'the SPC uses FPS protocol version 2, expected 1',
    );
    expect(failure(spc({ protocolVersionUsed: 2, protocolVersionsSupported: [2] })).details).toMatch(
      /the client supports FPS protocol versions 2, the server 1/,
    );
  });

  it('generates no CKC for a stopped playback session (-6004)', () => {
    const error = failure(spc({ playbackState: { creationDate: 1_700_000_000, state: 0x5991bf20 } }));
    expect(error.code).toBe(-6004);
    expect(error.details).toBe('the playback session is stopped: no CKC is generated');
  });

  it('rejects an unknown playback state (-6004)', () => {
    expect(failure(spc({ playbackState: { creationDate: 1, state: 0x12345678 } })).details).toBe(
      'unknown media playback state 0x12345678',
    );
  });
});

describe('error details', () => {
  it('never carry key material', () => {
    const sk = Buffer.from('5345435245545f534b5f5f5f5f5f5f5f', 'hex');
    const inputs = [
      spc({ sk, integrity: Buffer.alloc(16) }),
      spc({ sk, playbackState: { creationDate: 1, state: 0x5991bf20 } }),
      spc({ sk, protocolVersionUsed: 7 }),
    ];
    for (const input of inputs) {
      const error = failure(input);
      for (const secret of [sk, DEV_DASK, grant.contentKey]) {
        expect(error.message).not.toContain(secret.toString('hex'));
        expect(JSON.stringify(error)).not.toContain(secret.toString('hex'));
      }
    }
  });
});
