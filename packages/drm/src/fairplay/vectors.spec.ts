/**
 * Proof against Apple's FPS Server SDK 4.1.0 verification vectors: their internal values and the byte-exact
 * recipe are in test/fixtures/fairplay/README.md.
 */
import { createHash } from 'node:crypto';
import {
  DEV_CERT_HASH,
  SPC_FILES,
  devKsm,
  fixedRandom,
  fixture,
  hex,
  policy,
} from '../../test/fixtures/fairplay/fixtures';
import { openCkc, type FairPlayGrant, type FairPlayKeyRules, type SoftwareFairPlayKsmOptions } from '.';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

const CK_3B = Buffer.alloc(16, 0x3b);
const CK_31 = Buffer.alloc(16, 0x31);
const CK_3C = Buffer.alloc(16, 0x3c);
const IV_TWELVE = hex('d5fbd6b82ed93e4ef98ae40931ee33b7');
const IV_FOX = Buffer.from('TheQuickBrownFox');
const CKC_IV_APPLE = hex('01010101202020204040404080808080');
/** The undocumented TLLV Apple's sample server put after R1 in some CKCs. */
const APPLE_E6D0 = { tag: 'e6d0a3e72c92a4ef', value: hex('0000000000000001') };
const LEASE_120: FairPlayKeyRules = { type: 'lease', leaseSeconds: 120 };

interface Internals {
  spck: string;
  sk: string;
  r1Prefix: string;
  antiReplaySeed: string;
  antiReplayKey: string;
  huPrefix: string;
  assetId: string;
  transactionId: string;
  payloadLength: number;
  tllvCount: number;
  integrity?: string;
  playbackState?: number;
}

// The fixtures README's known values, all verified by decryption; asset/transaction IDs and TLLV counts read from
// the SPCs (earlier notes said 27 and 35 TLLVs for FPS/spc1 and spc3; both payloads parse completely into 26 and 36).
const INTERNALS: Record<(typeof SPC_FILES)[number], Internals> = {
  'FPS/spc1.bin': {
    spck: 'dd7139eafaceed7cda9f25da8aa915ea',
    sk: 'afb46e7bf5f31596c1c676dc15e14dc6',
    r1Prefix: '2752008e1c11e224',
    antiReplaySeed: 'f3c69d1e8cc4275a6d3286d332613e13',
    antiReplayKey: 'cb0d802549396b9c8d636d5e64594cbe',
    huPrefix: 'd8551263737065d5e700d7b4a5ddfb4f8b194df1',
    assetId: 'aabbccddeeff'.repeat(3),
    transactionId: '1473e5cc53e1e5d6',
    payloadLength: 2688,
    tllvCount: 26,
    integrity: '54a16be0137ef259ab3e4fc79690825f',
  },
  'FPS/spc2.bin': {
    spck: '3333c8c3bc52aa2eb0d94e0faa356b1b',
    sk: 'a663ff9aa82c5915f24d652489febdde',
    r1Prefix: 'bbbb2262f75b87af',
    antiReplaySeed: '2d9e8f2897c0c7a717e0955d3ceafa2d',
    antiReplayKey: '368bc22bda69ca2198794c7490eada76',
    huPrefix: 'd35e91a6b3163e47a9ec65fd3d59bac672d0ac7e',
    assetId: Buffer.from('one').toString('hex'),
    transactionId: 'deadc0dedeadc0de',
    payloadLength: 1984,
    tllvCount: 16,
    integrity: '11664fe96e8cb836aa2eb064e8656611',
  },
  'FPS/spc3.bin': {
    spck: 'dd7139eafaceed7cda9f25da8aa915ea',
    sk: '076fe16ccc49de38312476fd5bdf3ffb',
    r1Prefix: '02225dfe75e8afe5',
    antiReplaySeed: 'e0b4f262f76b546d85f622a6ff486cab',
    antiReplayKey: '1a75b7f644cc92d385bfa12c8afb37f4',
    huPrefix: 'd8551263737065d5e700d7b4a5ddfb4f8b194df1',
    assetId: 'aabbccddeeff'.repeat(3),
    transactionId: '1473e5cc53e1e5d6',
    payloadLength: 3952,
    tllvCount: 36,
  },
  'FPS-Lease/spc1.bin': {
    spck: '3333c8c3bc52aa2eb0d94e0faa356b1b',
    sk: 'a663ff9aa82c5915f24d652489febdde',
    r1Prefix: '64b29aff9f0ee2e0',
    antiReplaySeed: '2d9e8f2897c0c7a717e0955d3ceafa2d',
    antiReplayKey: 'e4c1c0ac4689609ea8f8109b230b1616',
    huPrefix: 'd35e91a6b3163e47a9ec65fd3d59bac672d0ac7e',
    assetId: Buffer.from('one').toString('hex'),
    transactionId: '136b1a97a3d6b0fa',
    payloadLength: 2032,
    tllvCount: 17,
    playbackState: 0xf4dee5a2,
  },
  'FPS-Lease/spc2.bin': {
    spck: '3333c8c3bc52aa2eb0d94e0faa356b1b',
    sk: 'a663ff9aa82c5915f24d652489febdde',
    r1Prefix: 'f8b2cef4b40ca8fb',
    antiReplaySeed: '2d9e8f2897c0c7a717e0955d3ceafa2d',
    antiReplayKey: '977f8c927854b9548fefd18a4bb6cc8f',
    huPrefix: 'd35e91a6b3163e47a9ec65fd3d59bac672d0ac7e',
    assetId: Buffer.from('one').toString('hex'),
    transactionId: 'ed82df93e626cd3c',
    payloadLength: 1968,
    tllvCount: 17,
    playbackState: 0xf4dee5a2,
  },
  'FPS-Lease/spc3.bin': {
    spck: '3333c8c3bc52aa2eb0d94e0faa356b1b',
    sk: 'a663ff9aa82c5915f24d652489febdde',
    r1Prefix: '92bd7fa961afeb07',
    antiReplaySeed: '2d9e8f2897c0c7a717e0955d3ceafa2d',
    antiReplayKey: '169b89c560c778f61a495554ba3b2dba',
    huPrefix: 'd35e91a6b3163e47a9ec65fd3d59bac672d0ac7e',
    assetId: Buffer.from('one').toString('hex'),
    transactionId: '4149c02970b511ae',
    payloadLength: 2656,
    tllvCount: 15,
    playbackState: 0xf4dee5a2,
  },
  'FPS-Lease/spc4.bin': {
    spck: '3333c8c3bc52aa2eb0d94e0faa356b1b',
    sk: 'a663ff9aa82c5915f24d652489febdde',
    r1Prefix: 'bbbb2262f75b87af',
    antiReplaySeed: '2d9e8f2897c0c7a717e0955d3ceafa2d',
    antiReplayKey: '368bc22bda69ca2198794c7490eada76',
    huPrefix: '31175b64',
    assetId: Buffer.from('persistent_twelve').toString('hex'),
    transactionId: 'deadc0dedeadc0de',
    payloadLength: 2384,
    tllvCount: 16,
    playbackState: 0xf4dee5a2,
  },
  'DualExpiry/dual_expiry_spc.bin': {
    spck: '3333c8c3bc52aa2eb0d94e0faa356b1b',
    sk: 'a663ff9aa82c5915f24d652489febdde',
    r1Prefix: 'bbbb2262f75b87af',
    antiReplaySeed: '2d9e8f2897c0c7a717e0955d3ceafa2d',
    antiReplayKey: '368bc22bda69ca2198794c7490eada76',
    huPrefix: 'f712a503',
    assetId: Buffer.from('persistent_duration_twelve_dual_30d_24h').toString('hex'),
    transactionId: 'deadc0dedeadc0de',
    payloadLength: 2528,
    tllvCount: 18,
    playbackState: 0xf4dee5a2,
  },
  'DualExpiry/sync_spc.bin': {
    spck: '3333c8c3bc52aa2eb0d94e0faa356b1b',
    sk: 'a663ff9aa82c5915f24d652489febdde',
    r1Prefix: 'bbbb2262f75b87af',
    antiReplaySeed: '2d9e8f2897c0c7a717e0955d3ceafa2d',
    antiReplayKey: '368bc22bda69ca2198794c7490eada76',
    huPrefix: 'f712a503',
    assetId: Buffer.from('persistent_duration_twelve_dual_30d_24h').toString('hex'),
    transactionId: 'deadc0dedeadc0de',
    payloadLength: 2752,
    tllvCount: 18,
    playbackState: 0xf4dee5a2,
  },
};

describe('Apple SPC vectors: internal values (fixtures README)', () => {
  const ksm = devKsm();

  it.each(SPC_FILES)('%s decrypts to its published internal values', (file) => {
    const expected = INTERNALS[file];
    const spc = fixture(file);
    const opened = ksm.openSpc(spc);
    expect(opened.container.version).toBe(1);
    expect(opened.container.certificateHash.toString('hex')).toBe(DEV_CERT_HASH);
    expect(opened.container.encryptedPayload.length).toBe(expected.payloadLength);
    expect(spc.length).toBe(176 + expected.payloadLength);
    expect(opened.spck.toString('hex')).toBe(expected.spck);
    expect(opened.dask.toString('hex')).toBe('d87ce7a26081de2e8eb8acef3a6dc179');
    expect(opened.session.sk.toString('hex')).toBe(expected.sk);
    expect(opened.session.r1).toHaveLength(44);
    expect(opened.session.r1.toString('hex').startsWith(expected.r1Prefix)).toBe(true);
    expect(opened.session.hu.toString('hex').startsWith(expected.huPrefix)).toBe(true);
    expect(opened.payload.antiReplaySeed.toString('hex')).toBe(expected.antiReplaySeed);
    expect(opened.antiReplayKey.toString('hex')).toBe(expected.antiReplayKey);
    expect(opened.payload.r2.toString('hex')).toBe('11f7be612ca95ef5e007ce51896ae4502ca3d8801b');
    expect(opened.payload.assetId.toString('hex')).toBe(expected.assetId);
    expect(opened.payload.transactionId.toString('hex')).toBe(expected.transactionId);
    expect(opened.payload.tllvs.length).toBe(expected.tllvCount);
    expect(opened.payload.protocolVersionUsed).toBe(1);
    expect(opened.session.integrity.equals(opened.payload.sessionKeyR1Integrity)).toBe(true);
    if (expected.integrity) expect(opened.session.integrity.toString('hex')).toBe(expected.integrity);
    expect(opened.payload.playbackState?.state).toBe(expected.playbackState);
  });

  it('reads FPS/spc1 exactly as published (full R1, [SK..R1] IV, five unknown tags in the return request)', () => {
    const opened = ksm.openSpc(fixture('FPS/spc1.bin'));
    expect(opened.session.r1.toString('hex')).toBe(
      '2752008e1c11e224e8eb07eec4a09d17440a6372d5dc2109e550ecac9860613f8b7a8be6b45a69832d9e8ce7',
    );
    expect(opened.payload.sessionKeyR1.subarray(0, 16).toString('hex')).toBe('4f45d85ce26273101a97f33081c1d04a');
    expect(opened.payload.returnRequest).toEqual([
      '1bf7f53f5d5d5a1f',
      '47aa7ad3440577de',
      'f911f04da54bf599',
      'ba08cc74dac9176d',
      '130d994cb894b9e3',
      '66c823f379b87bb5',
      '18d42c5f8e545a4b',
    ]);
    expect(opened.payload.protocolVersionsSupported).toEqual([1]);
  });

  it('reads the lease SPCs’ playback state, supported versions and streaming indicator', () => {
    const opened = ksm.openSpc(fixture('FPS-Lease/spc1.bin'));
    expect(opened.payload.playbackState).toEqual({
      creationDate: 0x537d3bfb,
      state: 0xf4dee5a2,
      sessionId: 0x3de0def23f0ca33cn,
    });
    expect(opened.payload.protocolVersionsSupported).toEqual([1, 2]);
    expect(opened.payload.streamingIndicator).toBe('d94c0c9d19ee43b0');
  });

  it('reads the offline sync TLLVs of the dual-expiry SPCs', () => {
    expect(ksm.openSpc(fixture('DualExpiry/dual_expiry_spc.bin')).payload.offlineSync).toEqual({ version: 0 });
    const sync = ksm.openSpc(fixture('DualExpiry/sync_spc.bin')).payload.offlineSync;
    expect(sync?.version).toBe(1);
    expect(sync?.contentId?.toString('hex')).toBe('deadbeefdeadfefe000000000deaddaa');
    expect(sync?.durationToExpiry).toBe(2591995);
  });
});

describe('Apple CKC vectors regenerated byte for byte (fixtures README recipe)', () => {
  const cases: Array<{
    ckc: string;
    spc: string;
    md5: string;
    grant: Omit<FairPlayGrant, 'policy'> & { policy?: FairPlayGrant['policy'] };
    ckcIv: Buffer;
    options?: SoftwareFairPlayKsmOptions;
  }> = [
    {
      ckc: 'FPS/ckc1.bin',
      spc: 'FPS/spc1.bin',
      md5: 'cfea90356a2b295c6513005d1bb60e3e',
      grant: { contentKey: CK_3B, iv: IV_TWELVE, extraTllvs: [APPLE_E6D0] },
      ckcIv: Buffer.alloc(16),
    },
    {
      ckc: 'FPS/ckc2.bin',
      spc: 'FPS/spc2.bin',
      md5: '8a3b9e647f1057eba870d63613e29632',
      grant: { contentKey: CK_31, iv: IV_FOX },
      ckcIv: CKC_IV_APPLE,
    },
    {
      ckc: 'FPS/ckc3.bin',
      spc: 'FPS/spc3.bin',
      md5: '143b1af66d884684965942415eb556db',
      grant: { contentKey: CK_3B, iv: IV_TWELVE, extraTllvs: [APPLE_E6D0] },
      ckcIv: Buffer.alloc(16),
    },
    ...(['1', '2', '3'] as const).map((n) => ({
      ckc: `FPS-Lease/ckc${n}.bin`,
      spc: `FPS-Lease/spc${n}.bin`,
      md5: {
        '1': '3e455f649274e758621ee50af2e3afea',
        '2': '3ed8d5aa9d69b67dd669f7a1d33d4fbb',
        '3': 'ec1950423204394c9d25766b61a2f232',
      }[n],
      grant: { contentKey: CK_31, iv: IV_FOX, keyRules: LEASE_120 },
      ckcIv: CKC_IV_APPLE,
      options: { keyDurationReserved: 0 },
    })),
  ];

  it.each(cases)('$ckc from $spc', ({ ckc, spc, md5: expectedMd5, grant, ckcIv, options }) => {
    const apple = fixture(ckc);
    expect(md5(apple)).toBe(expectedMd5); // the fixture is Apple's file
    const ksm = devKsm({ ...options, random: fixedRandom(ckcIv) });
    const result = ksm.createCkcSync(fixture(spc), { policy: policy(), ...grant });
    expect(result.ckc.toString('hex')).toBe(apple.toString('hex'));
    expect(md5(result.ckc)).toBe(expectedMd5);
  });

  it('does the same through the async port', async () => {
    const ksm = devKsm({ random: fixedRandom(CKC_IV_APPLE) });
    const { ckc } = await ksm.createCkc(fixture('FPS/spc2.bin'), { contentKey: CK_31, iv: IV_FOX, policy: policy() });
    expect(md5(ckc)).toBe('8a3b9e647f1057eba870d63613e29632');
  });
});

describe('Apple CKCs with random padding, compared field by field after decryption', () => {
  const ksm = devKsm({ keyDurationReserved: 0 });

  /** Our CKC and Apple's, both opened with the SPC's anti-replay key: same tags in the same order, same fields. */
  function compare(spcFile: string, ckcFile: string, grant: FairPlayGrant) {
    const spc = fixture(spcFile);
    const { antiReplayKey } = ksm.openSpc(spc);
    const ours = openCkc(ksm.createCkcSync(spc, grant).ckc, antiReplayKey);
    const apple = openCkc(fixture(ckcFile), antiReplayKey);
    expect(ours.version).toBe(1);
    expect(ours.reserved).toBe(0);
    expect(ours.tllvs.map((t) => t.tag)).toEqual(apple.tllvs.map((t) => t.tag));
    ours.tllvs.forEach((tllv, i) => {
      const theirs = apple.tllvs[i];
      expect(tllv.raw.length).toBe(theirs.raw.length); // same block lengths
      if (tllv.tag === '2e52f1530d8ddb4a') {
        // HDCP: requirement u64 ‖ 8 random bytes
        expect(tllv.value).toHaveLength(16);
        expect(tllv.value.subarray(0, 8).toString('hex')).toBe(theirs.value.subarray(0, 8).toString('hex'));
      } else if (
        ['58b38165af0e3d5a', 'ea74c4645d5efee9', 'e6d0a3e72c92a4ef', '47acf6a418cd091a', '6375d9727060218c'].includes(
          tllv.tag,
        )
      ) {
        expect(tllv.value.toString('hex')).toBe(theirs.value.toString('hex'));
      } else {
        expect(tllv.raw.toString('hex')).toBe(theirs.raw.toString('hex')); // echoed verbatim, padding included
      }
    });
    return { ours, apple };
  }

  it('FPS-Lease/ckc4: persistence key type, HDCP type 0', () => {
    const { apple } = compare('FPS-Lease/spc4.bin', 'FPS-Lease/ckc4.bin', {
      contentKey: CK_3C,
      iv: IV_TWELVE,
      policy: policy(),
      keyRules: { type: 'persistence' },
      hdcp: 'type0',
      extraTllvs: [APPLE_E6D0],
    });
    const duration = apple.tllvs.find((t) => t.tag === '47acf6a418cd091a');
    expect(duration?.value.toString('hex')).toBe('00000000' + '00000000' + '3df2d9fb' + '00000000');
    const ck = apple.tllvs[0].value;
    expect(ck.subarray(0, 16)).toEqual(IV_TWELVE);
  });

  it("FPS-Lease/ckc4 from a persistent token's policy (persistent=true, no durations): the same bytes", () => {
    const { ours } = compare('FPS-Lease/spc4.bin', 'FPS-Lease/ckc4.bin', {
      contentKey: CK_3C,
      iv: IV_TWELVE,
      policy: { ...policy(), offline: { playbackDuration: 0 } },
      hdcp: 'type0',
      extraTllvs: [APPLE_E6D0],
    });
    expect(ours.tllvs.find((t) => t.tag === '47acf6a418cd091a')?.value.toString('hex')).toBe(
      '00000000' + '00000000' + '3df2d9fb' + '00000000',
    );
  });

  it('DualExpiry: offline key TLLV v1, 30 days storage, 24 hours playback, HDCP type 0', () => {
    const { apple, ours } = compare('DualExpiry/dual_expiry_spc.bin', 'DualExpiry/dual_expiry_ckc.bin', {
      contentKey: CK_3C,
      iv: IV_TWELVE,
      policy: policy(),
      keyRules: {
        type: 'persistence',
        storageSeconds: 30 * 86400,
        playbackSeconds: 86400,
        contentId: hex('deadbeefdeadfefe000000000deaddaa'),
      },
      hdcp: 'type0',
      extraTllvs: [APPLE_E6D0],
    });
    const offline = apple.tllvs.find((t) => t.tag === '6375d9727060218c');
    expect(offline?.value.toString('hex')).toBe(
      '00000001' + '00000000' + 'deadbeefdeadfefe000000000deaddaa' + '00278d00' + '00015180',
    );
    expect(ours.tllvs.some((t) => t.tag === '47acf6a418cd091a')).toBe(false);
  });
});
