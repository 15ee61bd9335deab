import { createDecipheriv, createHash } from 'node:crypto';
import { ExpressPlayError } from '@openplay/core';
import {
  DEV_CERT_HASH,
  DEV_DASK,
  devCredentials,
  devKsm,
  expressPlayError,
  fixture,
  hex,
  policy,
  synthetic,
} from '../../test/fixtures/fairplay/fixtures';
import {
  createSoftwareFairPlayKsm,
  keyRulesFromPolicy,
  openCkc,
  type FairPlayGrant,
  type SoftwareFairPlayKsm,
} from '.';
import { encodeSpc, type SpcDraft } from '../testing';
import { SPC_TAG, CKC_TAG } from './constants';

const contentKey = hex('00112233445566778899aabbccddeeff');
const iv = hex('0f0e0d0c0b0a09080706050403020100');
const grant: FairPlayGrant = { contentKey, iv, policy: policy() };
const devCert = fixture('credentials/dev_certificate.der');
const PLAYING = { creationDate: 1_700_000_000, state: 0xf4dee5a2 };

function spc(draft: Partial<SpcDraft> = {}): Buffer {
  return encodeSpc({ certificate: devCert, dask: DEV_DASK, ...draft });
}

/** What a client recovers from the CKC: the TLLVs by tag and the clear content key. */
function recover(ksm: SoftwareFairPlayKsm, spcBytes: Buffer, ckc: Buffer) {
  const opened = ksm.openSpc(spcBytes);
  const { tllvs } = openCkc(ckc, opened.antiReplayKey);
  const byTag = new Map(tllvs.map((t) => [t.tag, t]));
  const wrapped = byTag.get(CKC_TAG.encryptedContentKey)!.value;
  const decipher = createDecipheriv('aes-128-ecb', opened.session.sk, null).setAutoPadding(false);
  const key = Buffer.concat([decipher.update(wrapped.subarray(16)), decipher.final()]);
  return { tllvs, byTag, key, iv: wrapped.subarray(0, 16), r1: byTag.get(CKC_TAG.r1)!.value, opened };
}

describe('createSoftwareFairPlayKsm', () => {
  const ksm = devKsm();

  it('delivers the content key and IV under SK, R1, and the echoed TLLVs', () => {
    const input = spc({ assetId: Buffer.from('movie-42') });
    const { ckc, facts } = ksm.createCkcSync(input, grant);
    const got = recover(ksm, input, ckc);
    expect(got.key).toEqual(contentKey);
    expect(got.iv).toEqual(iv);
    expect(got.r1).toEqual(got.opened.session.r1);
    expect(got.byTag.get(SPC_TAG.assetId)?.value.toString()).toBe('movie-42');
    expect(got.byTag.has(SPC_TAG.transactionId)).toBe(true);
    expect(got.byTag.has(CKC_TAG.keyDuration)).toBe(false);
    expect(got.byTag.has(CKC_TAG.hdcp)).toBe(false);
    expect(facts).toMatchObject({
      spcVersion: 1,
      certificateHash: DEV_CERT_HASH,
      assetIdText: 'movie-42',
      hdcp: 'type0',
      keyRules: 'unlimited',
      durationTllv: 'none',
    });
  });

  it('draws fresh randomness by default: two CKCs differ yet carry the same key', () => {
    const input = spc();
    const a = ksm.createCkcSync(input, grant).ckc;
    const b = ksm.createCkcSync(input, grant).ckc;
    expect(a.equals(b)).toBe(false);
    expect(recover(ksm, input, a).key).toEqual(recover(ksm, input, b).key);
  });

  it('has an async port that rejects with ExpressPlayError', async () => {
    await expect(ksm.createCkc(Buffer.alloc(3), grant)).rejects.toBeInstanceOf(ExpressPlayError);
    await expect(ksm.createCkc(spc(), grant)).resolves.toHaveProperty('ckc');
  });

  it('handles SPC v2 with a 2048-bit credential set (RSA-OAEP-SHA-256), next to v1 sets', () => {
    const multi = createSoftwareFairPlayKsm([devCredentials(), synthetic(2048), synthetic(1024)]);
    expect(multi.certificateHashes).toHaveLength(3);
    for (const [bits, version] of [
      [2048, 2],
      [1024, 1],
    ] as const) {
      const input = encodeSpc({
        certificate: fixture(`synthetic/rsa${bits}_certificate.der`),
        dask: DEV_DASK,
        version,
      });
      const { ckc, facts } = multi.createCkcSync(input, grant);
      expect(facts.spcVersion).toBe(version);
      expect(recover(multi, input, ckc).key).toEqual(contentKey);
    }
    expect(multi.createCkcSync(fixture('FPS/spc2.bin'), grant).facts.certificateHash).toBe(DEV_CERT_HASH);
  });

  it('rejects grants without a 16-byte key or IV (-6004) before touching the SPC', () => {
    expect(
      expressPlayError(() => ksm.createCkcSync(Buffer.alloc(0), { ...grant, contentKey: Buffer.alloc(15) })).details,
    ).toBe('grant: the content key must be 16 bytes');
    expect(expressPlayError(() => ksm.createCkcSync(Buffer.alloc(0), { ...grant, iv: Buffer.alloc(17) })).code).toBe(
      -6004,
    );
  });

  it('reports the SPC’s device facts for the audit row, without key material', () => {
    const deviceInfo = Buffer.concat([hex('8551fd5e31f479b3'), hex('00110401'), hex('00000001')]);
    const capabilities = Buffer.concat([Buffer.alloc(8), hex('0000000000000023')]); // hdcp-type1, offline-key, main
    const securityLevel = Buffer.concat([hex('00000001 00000000'), hex('4e7fd92421d588b4'), hex('0000001f')]);
    const input = spc({
      assetId: hex('00ff'),
      playbackState: PLAYING,
      extraTllvs: [
        { tag: SPC_TAG.deviceInfo, value: deviceInfo },
        { tag: SPC_TAG.capabilities, value: capabilities },
        { tag: SPC_TAG.streamingIndicator, value: hex('abb0256a31843974') },
        { tag: SPC_TAG.securityLevelReport, value: securityLevel },
      ],
    });
    const { facts } = ksm.createCkcSync(input, grant);
    const { opened } = recover(ksm, input, ksm.createCkcSync(input, grant).ckc);
    expect(facts).toMatchObject({
      deviceType: 'ios',
      osVersion: '17.4.1',
      streaming: true,
      streamingTarget: 'airplay',
      playbackState: 'first-playback',
      playbackCreatedAt: 1_700_000_000,
      capabilities: ['hdcp-type1', 'offline-key', 'security-level-main'],
      securityLevel: 'main',
      kdlVersion: 31,
      assetId: '00ff',
      deviceId: opened.session.hu.toString('hex'),
    });
    expect(facts.assetIdText).toBeUndefined();
    const json = JSON.stringify(facts);
    for (const secret of [
      opened.session.sk,
      opened.session.r1,
      opened.dask,
      opened.spck,
      contentKey,
      opened.antiReplayKey,
    ]) {
      expect(json).not.toContain(secret.toString('hex'));
    }
  });

  it('reports playback on the device itself as not streaming', () => {
    const input = spc({ extraTllvs: [{ tag: SPC_TAG.streamingIndicator, value: hex('891dbf47c0e666ab') }] });
    expect(ksm.createCkcSync(input, grant).facts).toMatchObject({ streaming: false, streamingTarget: 'device' });
    expect(ksm.createCkcSync(fixture('FPS/spc2.bin'), grant).facts.streaming).toBe(false);
  });
});

describe('policy → key duration TLLV', () => {
  const ksm = devKsm();
  const duration = (input: Buffer, g: FairPlayGrant, k = ksm) => {
    const { ckc, facts } = k.createCkcSync(input, g);
    const value = recover(k, input, ckc).byTag.get(CKC_TAG.keyDuration)?.value;
    return { value: value?.toString('hex'), facts };
  };

  it.each([
    [0, null, { type: 'unlimited' }],
    [0, 'BuyToOwn', { type: 'unlimited' }],
    [0, 'Rental', { type: 'unlimited' }],
    [3600, 'Rental', { type: 'rental', rentalSeconds: 3600 }],
    [3600, null, { type: 'rental', rentalSeconds: 3600 }],
    [600, 'BuyToOwn', { type: 'rental', rentalSeconds: 600 }],
  ] as const)('rentalDuration %i, rightsType %s → %j', (rentalDuration, rightsType, rules) => {
    expect(keyRulesFromPolicy(policy(rentalDuration, rightsType))).toEqual(rules);
  });

  it('sends a rental key duration (reserved 86d34a3a) when the SPC carries a playback state', () => {
    const { value, facts } = duration(spc({ playbackState: PLAYING }), { ...grant, policy: policy(3600, 'Rental') });
    expect(value).toBe('00000000' + '00000e10' + '3dfe45a0' + '86d34a3a');
    expect(facts).toMatchObject({
      keyRules: 'rental',
      durationTllv: 'key-duration',
      keyType: 'rental',
      rentalSeconds: 3600,
    });
  });

  it('omits it without a playback state (Apple’s rule), or refuses with missingPlaybackState "reject"', () => {
    const rental = { ...grant, policy: policy(3600, 'Rental') };
    const { value, facts } = duration(spc(), rental);
    expect(value).toBeUndefined();
    expect(facts).toMatchObject({ keyRules: 'rental', durationTllv: 'none' });
    const strict = devKsm({ missingPlaybackState: 'reject' });
    expect(expressPlayError(() => strict.createCkcSync(spc(), rental)).code).toBe(-6004);
    expect(strict.createCkcSync(spc(), grant).facts.durationTllv).toBe('none'); // unlimited needs nothing
  });

  it('sends lease, and lease-and-rental, key durations', () => {
    const input = spc({ playbackState: { creationDate: 5, state: 0x4f834330 } });
    expect(duration(input, { ...grant, keyRules: { type: 'lease', leaseSeconds: 120 } }).value).toBe(
      '00000078000000001a4bde7e86d34a3a',
    );
    expect(
      duration(input, { ...grant, keyRules: { type: 'lease-and-rental', leaseSeconds: 120, rentalSeconds: 7200 } })
        .value,
    ).toBe('0000007800001c2027b59bde86d34a3a');
  });

  it('rejects durations that do not fit a u32 (-6004)', () => {
    const input = spc({ playbackState: PLAYING });
    expect(
      expressPlayError(() => ksm.createCkcSync(input, { ...grant, keyRules: { type: 'lease', leaseSeconds: -1 } }))
        .code,
    ).toBe(-6004);
    expect(expressPlayError(() => ksm.createCkcSync(input, { ...grant, policy: policy(2 ** 32) })).code).toBe(-6004);
  });

  it('persistence: key duration types for clients without offline-key support', () => {
    const input = spc({ playbackState: PLAYING });
    expect(duration(input, { ...grant, keyRules: { type: 'persistence' } }).value).toBe(
      '00000000000000003df2d9fb86d34a3a',
    );
    expect(duration(input, { ...grant, keyRules: { type: 'persistence', storageSeconds: 86400 } }).value).toBe(
      '000000000001518018f0604886d34a3a',
    );
  });

  it('persistence: offline key TLLV v1 for clients declaring offline-key support, v2 with a title ID', () => {
    const caps = (flags: string) => ({
      tag: SPC_TAG.capabilities,
      value: Buffer.concat([Buffer.alloc(8), hex(flags)]),
    });
    const v1Client = spc({
      assetId: Buffer.from('title'),
      playbackState: PLAYING,
      extraTllvs: [caps('0000000000000002')],
    });
    const rules = { type: 'persistence' as const, storageSeconds: 100, playbackSeconds: 10 };
    const { ckc, facts } = ksm.createCkcSync(v1Client, { ...grant, keyRules: rules });
    const offline = recover(ksm, v1Client, ckc).byTag.get(CKC_TAG.offlineKey)!;
    expect(offline.raw.length).toBe(16 + 48);
    expect(offline.value.subarray(0, 8).toString('hex')).toBe('0000000100000000');
    expect(offline.value.subarray(8, 24).toString('hex')).toBe(
      // default content ID: SHA-256("title")[0..16]
      createHash('sha256').update('title').digest().subarray(0, 16).toString('hex'),
    );
    expect(offline.value.subarray(24).toString('hex')).toBe('000000640000000a');
    expect(facts).toMatchObject({ durationTllv: 'offline-key', storageSeconds: 100, playbackSeconds: 10 });

    const titleId = Buffer.alloc(16, 0x71);
    expect(
      expressPlayError(() => ksm.createCkcSync(v1Client, { ...grant, keyRules: { ...rules, titleId } })).details,
    ).toMatch(/offline key TLLV v2/);
    const v2Client = spc({ playbackState: PLAYING, extraTllvs: [caps('0000000000000008')] });
    const v2 = recover(ksm, v2Client, ksm.createCkcSync(v2Client, { ...grant, keyRules: { ...rules, titleId } }).ckc);
    const value = v2.byTag.get(CKC_TAG.offlineKey)!.value;
    expect(value.readUInt32BE(0)).toBe(2);
    expect(value.subarray(32)).toEqual(titleId);
  });

  it('a persistent token (policy.offline) is persistence: rentalDuration the storage, playbackDuration the playback', () => {
    const persistent = { ...policy(2_592_000, 'Rental'), offline: { playbackDuration: 86_400 } };
    expect(keyRulesFromPolicy(persistent)).toEqual({
      type: 'persistence',
      storageSeconds: 2_592_000,
      playbackSeconds: 86_400,
    });
    // An iOS 11+ client (capability bit 1): the offline key TLLV, and no key duration TLLV.
    const capable = spc({
      assetId: Buffer.from('movie'),
      playbackState: PLAYING,
      extraTllvs: [{ tag: SPC_TAG.capabilities, value: hex('00000000000000000000000000000002') }],
    });
    const { ckc, facts } = ksm.createCkcSync(capable, { ...grant, policy: persistent });
    const tllvs = recover(ksm, capable, ckc).byTag;
    expect(tllvs.get(CKC_TAG.offlineKey)!.value.subarray(24).toString('hex')).toBe('00278d0000015180');
    expect(tllvs.has(CKC_TAG.keyDuration)).toBe(false);
    expect(facts).toMatchObject({ keyRules: 'persistence', durationTllv: 'offline-key' });
    // An older client: persistence limited to the storage duration (18f06048).
    expect(duration(spc({ playbackState: PLAYING }), { ...grant, policy: persistent }).value).toBe(
      '0000000000278d0018f0604886d34a3a',
    );
  });
});

describe('HDCP TLLV', () => {
  it('is absent by default (type 0 enforced by the client) and sent when asked', () => {
    const ksm = devKsm({ hdcp: 'none' });
    const input = spc();
    const sent = recover(ksm, input, ksm.createCkcSync(input, grant).ckc).byTag.get(CKC_TAG.hdcp)!;
    expect(sent.value.subarray(0, 8).toString('hex')).toBe('ef72894ca7895b78');
    expect(sent.value).toHaveLength(16);
    const override = ksm.createCkcSync(input, { ...grant, hdcp: 'type0' });
    expect(override.facts.hdcp).toBe('type0');
    expect(recover(ksm, input, override.ckc).byTag.get(CKC_TAG.hdcp)!.value.subarray(0, 8).toString('hex')).toBe(
      '40791ac78bd5c571',
    );
  });

  it('requires the client’s HDCP type 1 capability for type 1 (-6004)', () => {
    const ksm = devKsm();
    expect(expressPlayError(() => ksm.createCkcSync(spc(), { ...grant, hdcp: 'type1' })).details).toMatch(
      /HDCP type 1/,
    );
    const capable = spc({
      extraTllvs: [{ tag: SPC_TAG.capabilities, value: Buffer.concat([Buffer.alloc(8), hex('0000000000000001')]) }],
    });
    const { ckc, facts } = ksm.createCkcSync(capable, { ...grant, hdcp: 'type1' });
    expect(facts.hdcp).toBe('type1');
    expect(recover(ksm, capable, ckc).byTag.get(CKC_TAG.hdcp)!.value.subarray(0, 8).toString('hex')).toBe(
      '285a0863bba8e1d3',
    );
  });
});

describe('configuration errors (one line, at construction)', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['no credential set', () => createSoftwareFairPlayKsm([]), /no credential set configured/],
    [
      'a repeated certificate',
      () => createSoftwareFairPlayKsm([devCredentials(), devCredentials()]),
      /repeats certificate 5561980a/,
    ],
    [
      'a key of another certificate',
      () => createSoftwareFairPlayKsm([{ ...devCredentials(), privateKey: fixture('synthetic/rsa1024_key.pem') }]),
      /^FairPlay credential set 0: the certificate and the private key do not match$/,
    ],
    [
      'both ask and dask',
      () => createSoftwareFairPlayKsm([{ ...devCredentials(), ask: Buffer.alloc(16) }]),
      /exactly one of ask, dask/,
    ],
    [
      'a short DASk',
      () => createSoftwareFairPlayKsm([{ ...devCredentials(), dask: Buffer.alloc(8) }]),
      /DASk must be 16 bytes/,
    ],
    [
      'a garbage certificate',
      () => createSoftwareFairPlayKsm([{ ...devCredentials(), certificate: Buffer.from('x') }]),
      /not a readable X.509/,
    ],
    [
      'a garbage key',
      () => createSoftwareFairPlayKsm([{ ...devCredentials(), privateKey: 'nope' }]),
      /not a readable RSA private key/,
    ],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(message);
    try {
      build();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).not.toContain(DEV_DASK.toString('hex'));
    }
  });

  it('accepts the key as DER (PKCS#8) too', () => {
    const ksm = createSoftwareFairPlayKsm([
      { ...devCredentials(), privateKey: fixture('credentials/dev_private_key.der') },
    ]);
    expect(ksm.certificateHashes).toEqual([DEV_CERT_HASH]);
  });
});
