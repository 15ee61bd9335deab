import { createHash, randomBytes } from 'node:crypto';
import { FairPlayConstants } from '@openplay/drm';
import { encodeSpc } from '@openplay/drm/testing';
import { LicenseType } from 'widevine';
import { clientSecretsOf, CREDENTIALS_JSON, DEV_CERTIFICATE, DEV_DASK, readCkc } from './support/fairplay-client';
import { redemptionResults, type Stack, tokenUrl, useStack } from './support/stack';
import {
  claimsOf,
  clientChallenge,
  inspectLicense,
  inspectRenewal,
  renewalChallenge,
  usageTableEntry,
  useWidevineWorld,
} from './support/widevine';

// Offline (persistent) licenses over real HTTP: token-gen issues persistent tokens, rights answers OFFLINE Widevine
// requests (checked field by field and loaded by the independent `widevine` client) and their release, and sends
// FairPlay CKCs with the persistence TLLVs (docs/decisions/0022-offline-licenses.md).

const { SPC_TAG, CKC_TAG, KEY_TYPE, KEY_DURATION_RESERVED } = FairPlayConstants;
const bytes = async (response: Response): Promise<Buffer> => Buffer.from(await response.arrayBuffer());
const post = (url: string, body: Uint8Array) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });

async function newAccount(stack: Stack, credits: number) {
  const created = await stack.admin.createAccount({
    name: 'offline',
    credits: BigInt(credits),
    widevine: true,
    fairplay: true,
  });
  return { number: created.account.number, auth: created.authenticators.test };
}

async function creditsOf(stack: Stack, account: number): Promise<number> {
  const { rows } = await stack.pool.query('SELECT credits::int AS credits FROM accounts WHERE number = $1', [account]);
  return rows[0].credits;
}

/** Key control block fields (big-endian): verification ‖ duration ‖ nonce ‖ control bits. */
const kcb = (block: Buffer) => ({
  verification: block.toString('latin1', 0, 4),
  duration: block.readUInt32BE(4),
  nonce: block.readUInt32BE(8),
  bits: block.readUInt32BE(12),
});

describe('rights: offline Widevine licenses (persistent tokens, the independent widevine client)', () => {
  const world = useWidevineWorld();
  // Renewals are configured: offline licenses must still not ask for them.
  const stack = useStack(() =>
    world.current.env({ WIDEVINE_UNKNOWN_DEVICES: 'reject', WIDEVINE_RENEWAL_DELAY: '300' }),
  );
  const contentKey = randomBytes(16).toString('hex');
  const kid = randomBytes(16).toString('hex');

  const wvToken = (auth: string, extra: string) =>
    tokenUrl(
      stack,
      'wv',
      `customerAuthenticator=${auth}&kid=${kid}&contentKey=${contentKey}&securityLevel=1&hdcpOutputControl=0&${extra}`,
    );

  it('answers an OFFLINE request: type OFFLINE, can_persist, rental and playback durations, no-nonce key control; then its release', async () => {
    const account = await newAccount(stack, 1);
    const url = await wvToken(account.auth, 'persistent=true&rentalDuration=604800&licenseDuration=86400');
    const claims = claimsOf(url);
    expect(claims.policy).toMatchObject({ offline: { rentalDuration: 604800 }, licenseDuration: 86400 });

    const device = world.current.devices.L1;
    const client = clientChallenge(device, { licenseType: LicenseType.OFFLINE });
    const response = await post(url, client.challenge);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    const body = await bytes(response);

    // The independent client loads it: the token's key under the token's kid.
    expect(client.parse(body)).toEqual([{ kid, key: contentKey }]);

    const view = inspectLicense(device, client.challenge, body);
    expect(view.request.content_id.widevine_pssh_data.license_type).toBe(LicenseType.OFFLINE);
    expect(view.license.id).toMatchObject({ type: LicenseType.OFFLINE, version: 0 });
    expect(view.license.id.purchase_id).toEqual(claims.tokenId);
    expect(view.license.policy).toEqual({
      can_play: true,
      can_persist: true,
      can_renew: false,
      rental_duration_seconds: 604800,
      playback_duration_seconds: 86400,
      license_duration_seconds: 0,
    });
    expect(view.license.license_start_time).toBeGreaterThan(0);
    expect(view.contentKeys).toHaveLength(1);
    expect(view.contentKeys[0].container).toMatchObject({ level: 1, required_protection: { hdcp: 0 } });
    // Unlimited offline (OEMCrypto): Replay_Control 0, Nonce_Enable 0, nonce 0, although the request carried one.
    expect(view.request.key_control_nonce).toBeGreaterThan(0);
    expect(kcb(view.contentKeys[0].keyControl)).toEqual({ verification: 'kctl', duration: 0, nonce: 0, bits: 0 });
    expect(view.signingKeys).toBeDefined();
    expect(await creditsOf(stack, account.number)).toBe(0);

    // The CDM's release of the offline license, with its usage report (OEMCrypto's PST report, which the widevine
    // client cannot write: built from its layout, signed with the license's client MAC key): answered, signed with the
    // license's keys, and free (the account has no credit left).
    const report = { status: 3, sinceLicenseReceived: 7200n, sinceFirstDecrypt: 5400n, sinceLastDecrypt: 60n };
    const entry = usageTableEntry(report, view.signingKeys!.macClient);
    const release = await post(url, renewalChallenge(view, 'release', { sessionUsageTableEntry: entry }));
    expect(release.status).toBe(200);
    const released = inspectRenewal(view, await bytes(release), Buffer.from(contentKey, 'hex'));
    expect(released.license.id).toMatchObject({
      type: LicenseType.OFFLINE,
      version: 1,
      session_id: view.license.id.session_id,
    });
    expect(released.license.policy).toEqual({ can_play: false, can_persist: false, can_renew: false });
    expect(released.keyControls).toEqual([]);
    expect(await redemptionResults(stack.pool, claims.tokenId)).toEqual([
      ['new', 0],
      ['release', 0],
    ]);
    // The release's row keeps what the verified report says of playback; no key material (the report has none).
    const { rows } = await stack.pool.query(
      "SELECT device FROM audit_events WHERE kind = 'redemption' AND request_type = 'release' AND token_id = $1",
      [claims.tokenId.toString('hex')],
    );
    expect(rows[0].device).toEqual({
      usageReport: {
        verified: true,
        status: 'inactive-used',
        clockSecurityLevel: 'secure-clock',
        secondsSinceLicenseReceived: 7200,
        secondsSinceFirstDecrypt: 5400,
        secondsSinceLastDecrypt: 60,
        pstMatches: true,
      },
    });
    const recorded = JSON.stringify(rows[0]);
    for (const secret of [contentKey, view.signingKeys!.macClient.toString('hex'), entry.toString('hex')]) {
      expect(recorded).not.toContain(secret);
    }
    expect(await creditsOf(stack, account.number)).toBe(0);
  });

  it('answers a STREAMING request of a persistent token with a streaming license', async () => {
    const account = await newAccount(stack, 1);
    const url = await wvToken(account.auth, 'persistent=true&rentalDuration=600');
    const device = world.current.devices.L1;
    const client = clientChallenge(device);
    const view = inspectLicense(device, client.challenge, await bytes(await post(url, client.challenge)));
    expect(view.license.id.type).toBe(LicenseType.STREAMING);
    expect(view.license.policy).toMatchObject({ can_persist: false, can_renew: true });
    expect(kcb(view.contentKeys[0].keyControl).nonce).toBe(view.request.key_control_nonce);
  });

  it('refuses an OFFLINE request under a token without persistence: JSON -11002 (403), recorded, no credit spent', async () => {
    const account = await newAccount(stack, 1);
    const url = await wvToken(account.auth, 'licenseDuration=3600');
    const client = clientChallenge(world.current.devices.L1, { licenseType: LicenseType.OFFLINE });
    const response = await post(url, client.challenge);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      code: -11002,
      message:
        '[-11002] Offline license not allowed by the token: the CDM asked for an offline license; the token does not allow persistence',
    });
    expect(await redemptionResults(stack.pool, claimsOf(url).tokenId)).toEqual([['new', -11002]]);
    expect(await creditsOf(stack, account.number)).toBe(1);
  });

  it('token-gen refuses bad persistence parameters with their codes', async () => {
    const account = await newAccount(stack, 1);
    const ask = async (extra: string) => {
      const response = await fetch(
        `${stack.tokenGenUrl}/hms/wv/token?customerAuthenticator=${account.auth}&kid=${kid}&contentKey=${contentKey}` +
          `&securityLevel=1&hdcpOutputControl=0&errorFormat=json&${extra}`,
      );
      return [response.status, ((await response.json()) as { code: number }).code];
    };
    expect(await ask('persistent=yes')).toEqual([400, -11001]);
    expect(await ask('persistent=true&rentalDuration=-5')).toEqual([400, -6007]);
  });
});

describe('rights: persistent FairPlay keys (Apple development credentials)', () => {
  const stack = useStack(() => ({ FAIRPLAY_CREDENTIALS: CREDENTIALS_JSON }));
  const CK = randomBytes(16);
  const IV = randomBytes(16);
  const ASSET = Buffer.from('movie-offline-7');
  const FIRST_PLAYBACK = 0xf4dee5a2;

  const capabilities = (flags: bigint) => {
    const value = Buffer.alloc(16);
    value.writeBigUInt64BE(flags, 8);
    return { tag: SPC_TAG.capabilities, value };
  };
  const spcOf = (extraTllvs: Array<{ tag: string; value: Buffer }>) =>
    encodeSpc({
      certificate: DEV_CERTIFICATE,
      dask: DEV_DASK,
      assetId: ASSET,
      playbackState: { creationDate: Math.floor(Date.now() / 1000), state: FIRST_PLAYBACK },
      extraTllvs,
    });
  const ckcOf = async (query: string, spc: Buffer) => {
    const account = await newAccount(stack, 5);
    const url = await tokenUrl(
      stack,
      'fp',
      `customerAuthenticator=${account.auth}&contentKey=${CK.toString('hex')}&iv=${IV.toString('hex')}&${query}`,
    );
    const response = await post(url, spc);
    expect(response.status).toBe(200);
    return readCkc(await bytes(response), clientSecretsOf(spc));
  };

  it('an iOS 11+ client (offline-key capability): CK, R1, echoed tags, then the offline key TLLV (v1)', async () => {
    const spc = spcOf([capabilities(FairPlayConstants.CAPABILITY.offlineKey)]);
    const ckc = await ckcOf('persistent=true&rentalDuration=2592000&playbackDuration=86400', spc);
    expect(ckc.contentKey).toEqual(CK);
    expect(ckc.iv).toEqual(IV);
    expect(ckc.r1).toEqual(clientSecretsOf(spc).r1);
    expect(ckc.tags[0]).toBe(CKC_TAG.encryptedContentKey);
    expect(ckc.tags[1]).toBe(CKC_TAG.r1);
    expect(ckc.tags.at(-1)).toBe(CKC_TAG.offlineKey);
    expect(ckc.tags).not.toContain(CKC_TAG.keyDuration);
    // Echoed as the SPC's return request asks: the asset ID among them.
    expect(ckc.tllvs.get(SPC_TAG.assetId)).toEqual(ASSET);
    const offline = ckc.tllvs.get(CKC_TAG.offlineKey)!;
    expect(offline).toHaveLength(32);
    expect(offline.readUInt32BE(0)).toBe(1); // version
    expect(offline.readUInt32BE(4)).toBe(0); // reserved
    expect(offline.subarray(8, 24)).toEqual(createHash('sha256').update(ASSET).digest().subarray(0, 16)); // content ID
    expect(offline.readUInt32BE(24)).toBe(2592000); // storage (rental) duration
    expect(offline.readUInt32BE(28)).toBe(86400); // playback duration
  });

  it('an older client: the key duration TLLV of type persistence, limited to the rental duration or unlimited', async () => {
    const limited = await ckcOf('persistent=true&rentalDuration=604800', spcOf([]));
    const value = limited.tllvs.get(CKC_TAG.keyDuration)!;
    expect([value.readUInt32BE(0), value.readUInt32BE(4), value.readUInt32BE(8), value.readUInt32BE(12)]).toEqual([
      0,
      604800,
      KEY_TYPE.persistenceAndDuration,
      KEY_DURATION_RESERVED,
    ]);
    expect(limited.tags).not.toContain(CKC_TAG.offlineKey);
    const unlimited = (await ckcOf('persistent=true', spcOf([]))).tllvs.get(CKC_TAG.keyDuration)!;
    expect(unlimited.readUInt32BE(8)).toBe(KEY_TYPE.persistence);
    expect(unlimited.readUInt32BE(4)).toBe(0);
  });

  it('a token without persistence gives an offline-capable client a streaming key (no persistence TLLV)', async () => {
    const ckc = await ckcOf('rentalDuration=3600', spcOf([capabilities(FairPlayConstants.CAPABILITY.offlineKey)]));
    expect(ckc.tags).not.toContain(CKC_TAG.offlineKey);
    expect(ckc.tllvs.get(CKC_TAG.keyDuration)!.readUInt32BE(8)).toBe(KEY_TYPE.rental);
  });
});
