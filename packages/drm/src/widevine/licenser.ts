import { constants, privateDecrypt, type KeyObject } from 'node:crypto';
import { hmac } from '@openplay/cipher';
import {
  assertIssuedWhileValid,
  assertReleasable,
  ExpressPlayError,
  outlivesToken,
  TOKEN_EXPIRED,
} from '@openplay/core';
import {
  CertificateError,
  DrmCertificateVerifier,
  GOOGLE_WIDEVINE_ROOT_CERTIFICATE,
  importServicePrivateKey,
  parseServiceCertificate,
  parseTrustedRoot,
  type ServiceCertificate,
  type TrustedRoot,
  type VerifiedDeviceChain,
} from './certificates';
import {
  aesCbcDecrypt,
  aesCbcEncrypt,
  deriveServerKeys,
  equalBytes,
  hashAlgorithmName,
  hmacSha256,
  oaepEncrypt,
  verifyPss,
} from './primitives';
import { pooledRandomBytes } from '../random';
import { DevicePolicy, levelAllows, parseDeviceStatusList } from './devices';
import { cannotBuild, LicenseErrorCode, WidevineRefusal } from './errors';
import { keyControlBlock, type KeyControlOptions } from './key-control';
import { LicenseType, licenseNonce, offlinePolicy, offlineRefusal, type GrantedLicenseType } from './offline';
import { readUsageReport } from './usage-report';
import { MessageType, RequestType } from './request-kind';
import {
  decode,
  encode,
  encodeSignedMessage,
  type ClientIdentification,
  type ContentIdentification,
  type License,
  type KeyContainer,
  type LicenseIdentification,
  type LicenseRequest,
  type Policy,
  type SignedMessage,
} from './proto';
import type {
  WidevineDevice,
  WidevineGrant,
  WidevineLicenser,
  WidevineLicenserConfig,
  WidevineOutcome,
  WidevineWithheldKey,
} from './types';

const KeyType = { SIGNING: 1, CONTENT: 2, KEY_CONTROL: 3 } as const;
const DRM_DEVICE_CERTIFICATE = 1;
const WIDEVINE_SYSTEM_ID = Buffer.from('edef8ba979d64acea3c827dcd51d21ed', 'hex');
/** FourCCs a license may name in `protection_scheme` (from the PSSH): 'cenc', 'cbc1', 'cens', 'cbcs'. */
const PROTECTION_SCHEMES = new Set([0x63656e63, 0x63626331, 0x63656e73, 0x63626373]);
const MAC_KEYS_LABEL = Buffer.from('openplay/widevine/license-mac-keys/v1\0', 'latin1');
const DEFAULT_MAX_CHALLENGE_BYTES = 64 * 1024;
const MAX_PURCHASE_ID_BYTES = 64;

const UNKNOWN_DEVICE_POLICIES = new Set(['reject', 'L1', 'L2', 'L3']);

interface ContentRequest {
  readonly requestId: Buffer | undefined;
  readonly protectionScheme: number | undefined;
  /** OFFLINE when the CDM asks for an offline license; STREAMING for STREAMING, AUTOMATIC or none. */
  readonly licenseType: GrantedLicenseType;
}

/** The licenser the rights server uses: pure node:crypto, no per-license state. */
export function createSoftwareWidevineLicenser(config: WidevineLicenserConfig): SoftwareWidevineLicenser {
  return new SoftwareWidevineLicenser(config);
}

/**
 * Answers Widevine challenges (the protocol as this project implements it: docs/architecture.md, "Widevine license"):
 * - `08 04` (SERVICE_CERTIFICATE_REQUEST) → the configured service certificate;
 * - LICENSE_REQUEST NEW → a license for the grant's key, to a device whose DRM certificate chains to a trusted root,
 *   whose request signature verifies and whose configured level and status allow the grant;
 * - RENEWAL / RELEASE → HMAC-verified with MAC keys re-derived from `renewalSecret` and the license id, answered
 *   with a refreshed key control / a release confirmation.
 *
 * Renewal without state: every license's SIGNING key carries MAC keys
 * `HMAC-SHA512(renewalSecret, "openplay/widevine/license-mac-keys/v1\0" ‖ session_id ‖ kid)` (first 32 bytes for
 * server → client, last 32 for client → server). `License.id.session_id` is `issued-at (uint64 BE, unix s; its top
 * bit marks a counted stream, see isCountedStreamSession) ‖ 8 random bytes`; the CDM echoes the id in renewals, so the server recomputes the keys from the echoed session id and the
 * grant's kid. A forged session id or another kid yields other keys and the renewal's HMAC fails.
 *
 * Construction parses and checks every configured root, the service certificate and its key once; throws an Error
 * with one line per problem on bad configuration.
 */
export class SoftwareWidevineLicenser implements WidevineLicenser {
  readonly roots: readonly TrustedRoot[];
  private readonly verifier: DrmCertificateVerifier;
  private readonly policy: DevicePolicy;
  private readonly service: (ServiceCertificate & { privateKey: KeyObject; response: Buffer }) | undefined;
  /** `renewalSecret`, copied (the caller may wipe its Buffer). */
  private readonly renewalKey: Buffer;
  private readonly renewal: WidevineLicenserConfig['renewal'];
  private readonly maxChallengeBytes: number;
  private readonly now: () => number;

  constructor(config: WidevineLicenserConfig) {
    if (!Buffer.isBuffer(config.renewalSecret) || config.renewalSecret.length < 32) {
      throw new Error('Widevine renewalSecret must be a Buffer of at least 32 bytes');
    }
    if (!UNKNOWN_DEVICE_POLICIES.has(config.unknownDevices)) {
      throw new Error(
        `Widevine unknownDevices must be reject, L1, L2 or L3 (got ${JSON.stringify(config.unknownDevices)})`,
      );
    }
    this.renewalKey = Buffer.alloc(config.renewalSecret.length);
    config.renewalSecret.copy(this.renewalKey);
    this.now = config.now ?? (() => Math.floor(Date.now() / 1000));
    this.maxChallengeBytes = config.maxChallengeBytes ?? DEFAULT_MAX_CHALLENGE_BYTES;
    this.renewal = config.renewal;
    if (this.renewal) {
      for (const [name, value] of Object.entries(this.renewal)) {
        if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
          throw new Error(`Widevine renewal.${name} must be a non-negative integer of seconds`);
        }
      }
    }

    const roots: TrustedRoot[] = [];
    const candidates = [GOOGLE_WIDEVINE_ROOT_CERTIFICATE, ...(config.trustedRoots ?? [])];
    candidates.forEach((bytes, index) => {
      let root: TrustedRoot;
      try {
        root = parseTrustedRoot(bytes);
      } catch (error) {
        throw new Error(`Widevine trusted root #${index}: ${(error as Error).message}`, { cause: error });
      }
      if (!roots.some((r) => r.fingerprint === root.fingerprint)) roots.push(root);
    });
    this.roots = roots;
    this.verifier = new DrmCertificateVerifier(roots, config.certificateCacheSize ?? 10_000);

    if (config.serviceCertificate) {
      let certificate: ServiceCertificate;
      try {
        certificate = parseServiceCertificate(config.serviceCertificate.certificate, this.verifier);
      } catch (error) {
        throw new Error(`Widevine service certificate: ${(error as Error).message}`, { cause: error });
      }
      const privateKey = importServicePrivateKey(config.serviceCertificate.privateKey, certificate);
      const response = encode('SignedMessage', { type: MessageType.SERVICE_CERTIFICATE, msg: certificate.signedBytes });
      this.service = { ...certificate, privateKey, response };
    }

    let statusList;
    if (config.deviceStatusList) {
      try {
        statusList = parseDeviceStatusList(config.deviceStatusList);
      } catch (error) {
        throw new Error(`Widevine device status list: ${(error as Error).message}`, { cause: error });
      }
    }
    this.policy = new DevicePolicy(config.devices, statusList, config.unknownDevices);
  }

  handle(challenge: Buffer, grant: WidevineGrant): WidevineOutcome {
    try {
      return this.dispatch(challenge, grant);
    } catch (error) {
      if (error instanceof ExpressPlayError) throw error;
      // Defensive: whatever slipped through is still this licenser's refusal, never a foreign exception.
      const refusal = cannotBuild('unexpected error while reading the challenge');
      (refusal as { cause?: unknown }).cause = error;
      throw refusal;
    }
  }

  private dispatch(challenge: Buffer, grant: WidevineGrant): WidevineOutcome {
    if (!(challenge instanceof Uint8Array)) throw cannotBuild('challenge must be bytes');
    if (challenge.length === 0) throw cannotBuild('empty challenge');
    if (challenge.length > this.maxChallengeBytes)
      throw cannotBuild(`challenge exceeds ${this.maxChallengeBytes} bytes`);
    const body = Buffer.isBuffer(challenge) ? challenge : Buffer.from(challenge);

    let signed: SignedMessage;
    try {
      signed = decode('SignedMessage', body);
    } catch {
      throw cannotBuild('challenge is not a Widevine SignedMessage');
    }
    if (signed.type === MessageType.SERVICE_CERTIFICATE_REQUEST) {
      if (grant?.tokenExpired) throw new ExpressPlayError(-4010, TOKEN_EXPIRED);
      if (!this.service) throw cannotBuild('no service certificate is configured');
      return { kind: 'service-certificate', body: this.service.response };
    }
    if (signed.type !== MessageType.LICENSE_REQUEST) {
      throw cannotBuild(
        `challenge is a SignedMessage of type ${signed.type ?? 'none'}, not a license or service certificate request`,
      );
    }
    const msg = signed.msg;
    if (!msg?.length) throw cannotBuild('license request has no msg');
    let request: LicenseRequest;
    try {
      request = decode('LicenseRequest', msg);
    } catch {
      throw cannotBuild('license request msg is not a LicenseRequest');
    }
    checkGrant(grant);
    const type = request.type ?? RequestType.NEW;
    // An expired token renews and releases the licenses it bought and serves nothing else; the rights server admits it
    // for those only (core's outlivesToken), and this says so again where the request is actually decoded.
    if (grant.tokenExpired && !outlivesToken('wv', requestKind(type))) throw new ExpressPlayError(-4010, TOKEN_EXPIRED);
    switch (type) {
      case RequestType.NEW:
        return this.newLicense(signed, msg, request, grant);
      case RequestType.RENEWAL:
        return this.renewalOrRelease('renewal', signed, msg, request, grant);
      case RequestType.RELEASE:
        return this.renewalOrRelease('release', signed, msg, request, grant);
      default:
        throw cannotBuild(`license request type ${request.type} is not NEW, RENEWAL or RELEASE`);
    }
  }

  // ------------------------------------------------------------------------------------------------ NEW

  private newLicense(
    signed: SignedMessage,
    msg: Buffer,
    request: LicenseRequest,
    grant: WidevineGrant,
  ): WidevineOutcome {
    const content = contentRequest(request.content_id);
    const { client, privacyMode } = this.clientIdentity(request);
    const now = this.now();

    if ((client.type ?? 0) !== DRM_DEVICE_CERTIFICATE || !client.token?.length) {
      throw new WidevineRefusal(
        -4001,
        'client identity is not a DRM device certificate (keybox clients cannot be served)',
        {
          licenseError: LicenseErrorCode.INVALID_DRM_DEVICE_CERTIFICATE,
        },
      );
    }
    let chain: VerifiedDeviceChain;
    try {
      chain = this.verifier.verifyDevice(client.token, now);
    } catch (error) {
      if (!(error instanceof CertificateError)) throw error;
      if (error.kind === 'unsupported') throw cannotBuild(error.message);
      throw new WidevineRefusal(-4001, error.message, {
        licenseError: LicenseErrorCode.INVALID_DRM_DEVICE_CERTIFICATE,
      });
    }
    const systemId = chain.device.systemId;
    const hash = hashAlgorithmName(signed.hash_algorithm);
    if (!hash || !signed.signature?.length || !verifyPss(chain.device.publicKey, hash, msg, signed.signature)) {
      throw new WidevineRefusal(-4001, 'license request signature does not verify with the device certificate', {
        licenseError: LicenseErrorCode.INVALID_DRM_DEVICE_CERTIFICATE,
        device: { systemId },
      });
    }

    const modelSerialNumber = chain.model.serialNumber.toString('hex');
    const decision = this.policy.decide(systemId, modelSerialNumber);
    if (decision.status === 'unknown') {
      throw new WidevineRefusal(-4001, `device system id ${systemId} is unknown and unknown devices are rejected`, {
        licenseError: LicenseErrorCode.SERVICE_UNAVAILABLE,
        device: { systemId },
      });
    }
    if (decision.status === 'revoked') {
      throw new WidevineRefusal(-4001, `device system id ${systemId} is revoked`, {
        licenseError: LicenseErrorCode.REVOKED_DRM_DEVICE_CERTIFICATE,
        device: { systemId, level: decision.level },
      });
    }
    if (content.licenseType === LicenseType.OFFLINE && !grant.policy.offline) {
      throw offlineRefusal({ systemId, level: decision.level });
    }
    const device: WidevineDevice = {
      systemId,
      level: decision.level,
      known: decision.known,
      serialNumber: chain.device.serialNumber.toString('hex'),
      modelSerialNumber,
      privacyMode,
      clientInfo: clientInfo(client),
    };
    if (grant.keys) return this.multiKeyLicense(msg, request, grant, { content, device, chain, now });
    const securityLevel = grant.policy.securityLevel;
    if (!levelAllows(device.level, securityLevel)) {
      throw new WidevineRefusal(
        -7008,
        `device level ${device.level} cannot meet security level ${securityLevel} (${needs(securityLevel)})`,
        { licenseError: LicenseErrorCode.SERVICE_UNAVAILABLE, device },
      );
    }

    const random = pooledRandomBytes(16 * 4 + 8);
    const sessionKey = random.subarray(0, 16);
    const signingIv = random.subarray(16, 32);
    const contentIv = random.subarray(32, 48);
    const keyControlIv = random.subarray(48, 64);
    const sessionId = Buffer.alloc(16);
    sessionId.writeBigUInt64BE(sessionStart(now, grant.countedStream), 0);
    random.copy(sessionId, 8, 64, 72);

    const wrappedSessionKey = oaepEncrypt(chain.device.encryptionKey, sessionKey);
    const keys = deriveServerKeys(sessionKey, msg);
    const macKeys = this.licenseMacKeys(sessionId, grant.kid);
    const keyControl = keyControlBlock({
      // The key control duration counts from the license's load, not from playback: licenseDuration is a playback
      // window (the policy's playback_duration), so the key itself is not time-limited.
      durationSeconds: 0,
      nonce: licenseNonce(content.licenseType, nonceOf(request)),
      hdcp: grant.policy.hdcpOutputControl,
      securityLevel,
    });

    const id: LicenseIdentification = {
      request_id: content.requestId,
      session_id: sessionId,
      purchase_id: grant.tokenId.length ? grant.tokenId.subarray(0, MAX_PURCHASE_ID_BYTES) : undefined,
      type: content.licenseType,
      version: 0,
    };
    const signingKey = aesCbcEncrypt(keys.encKey, signingIv, macKeys, true);
    const contentKey = aesCbcEncrypt(keys.encKey, contentIv, grant.contentKey, true);
    const license: License = {
      id,
      policy: offlinePolicy(this.licensePolicy(grant), content.licenseType, grant.policy),
      key: [
        { iv: signingIv, key: signingKey, type: KeyType.SIGNING },
        {
          id: grant.kid,
          iv: contentIv,
          key: contentKey,
          type: KeyType.CONTENT,
          level: securityLevel,
          required_protection: { hdcp: grant.policy.hdcpOutputControl },
          key_control: {
            key_control_block: aesCbcEncrypt(grant.contentKey, keyControlIv, keyControl, false),
            iv: keyControlIv,
          },
        },
      ],
      license_start_time: now,
      protection_scheme: content.protectionScheme,
    };
    const body = signedLicense(license, keys.macKeyServer, wrappedSessionKey);
    return { kind: 'license', body, device, sessionId };
  }

  /**
   * A multi-key grant's license: one content key container per key whose level the device meets, each with its
   * track_label, level, HDCP and key control block; the others are left out and reported in `withheld`. The session
   * id is `issued-at (8) ‖ delivered-keys mask (4, bit i = grant.keys[i]) ‖ 4 random bytes`: a renewal refreshes
   * exactly the keys the license holds, and the mask is authenticated like the rest of the session id (the renewal
   * MAC keys are derived from it).
   */
  private multiKeyLicense(
    msg: Buffer,
    request: LicenseRequest,
    grant: WidevineGrant,
    {
      content,
      device,
      chain,
      now,
    }: { content: ContentRequest; device: WidevineDevice; chain: VerifiedDeviceChain; now: number },
  ): WidevineOutcome {
    const all = grant.keys!;
    const delivered: number[] = [];
    const withheld: WidevineWithheldKey[] = [];
    all.forEach((key, index) => {
      if (levelAllows(device.level, key.securityLevel)) delivered.push(index);
      else {
        withheld.push({
          kid: key.kid.toString('hex'),
          track: key.track,
          securityLevel: key.securityLevel,
          reason: `device level ${device.level} cannot meet security level ${key.securityLevel} (${needs(key.securityLevel)})`,
        });
      }
    });
    if (delivered.length === 0) {
      const lowest = Math.min(...all.map((key) => key.securityLevel));
      throw new WidevineRefusal(
        -7008,
        `device level ${device.level} cannot meet the security level of any key of the token (lowest ${lowest}, ${needs(lowest)})`,
        { licenseError: LicenseErrorCode.SERVICE_UNAVAILABLE, device },
      );
    }

    const random = pooledRandomBytes(16 * 2 + 4 + 32 * delivered.length);
    const sessionKey = random.subarray(0, 16);
    const signingIv = random.subarray(16, 32);
    const sessionId = Buffer.alloc(16);
    sessionId.writeBigUInt64BE(sessionStart(now, grant.countedStream), 0);
    sessionId.writeUInt32BE(maskOf(delivered), 8);
    random.copy(sessionId, 12, 32, 36);

    const wrappedSessionKey = oaepEncrypt(chain.device.encryptionKey, sessionKey);
    const keys = deriveServerKeys(sessionKey, msg);
    const macKeys = this.licenseMacKeys(sessionId, grant.kid);
    const nonce = licenseNonce(content.licenseType, nonceOf(request));
    const containers: KeyContainer[] = [
      { iv: signingIv, key: aesCbcEncrypt(keys.encKey, signingIv, macKeys, true), type: KeyType.SIGNING },
    ];
    delivered.forEach((index, n) => {
      const key = all[index];
      const at = 36 + 32 * n;
      const contentIv = random.subarray(at, at + 16);
      const keyControlIv = random.subarray(at + 16, at + 32);
      const keyControl = keyControlBlock({
        durationSeconds: 0,
        nonce,
        hdcp: key.hdcpOutputControl,
        securityLevel: key.securityLevel,
      });
      containers.push({
        id: key.kid,
        iv: contentIv,
        key: aesCbcEncrypt(keys.encKey, contentIv, key.contentKey, true),
        type: KeyType.CONTENT,
        level: key.securityLevel,
        required_protection: { hdcp: key.hdcpOutputControl },
        key_control: {
          key_control_block: aesCbcEncrypt(key.contentKey, keyControlIv, keyControl, false),
          iv: keyControlIv,
        },
        // A cap is one range from 0 pixels: the CDM marks the key output-not-allowed for video no range contains.
        ...(key.maxResolutionPixels != null && {
          video_resolution_constraints: [
            {
              min_resolution_pixels: 0,
              max_resolution_pixels: key.maxResolutionPixels,
              required_protection: { hdcp: key.hdcpOutputControl },
            },
          ],
        }),
        ...(key.track !== null && { track_label: key.track }),
      });
    });
    const license: License = {
      id: {
        request_id: content.requestId,
        session_id: sessionId,
        purchase_id: grant.tokenId.length ? grant.tokenId.subarray(0, MAX_PURCHASE_ID_BYTES) : undefined,
        type: content.licenseType,
        version: 0,
      },
      policy: offlinePolicy(this.licensePolicy(grant), content.licenseType, grant.policy),
      key: containers,
      license_start_time: now,
      protection_scheme: content.protectionScheme,
    };
    const body = signedLicense(license, keys.macKeyServer, wrappedSessionKey);
    return {
      kind: 'license',
      body,
      device,
      sessionId,
      delivered: delivered.map((index) => all[index].kid.toString('hex')),
      withheld,
    };
  }

  private clientIdentity(request: LicenseRequest): { client: ClientIdentification; privacyMode: boolean } {
    if (request.client_id) return { client: request.client_id, privacyMode: false };
    const encrypted = request.encrypted_client_id;
    if (!encrypted) throw cannotBuild('license request carries no client identification');
    if (!this.service) throw cannotBuild('client identification is encrypted but no service certificate is configured');
    const serial = encrypted.service_certificate_serial_number;
    if (serial?.length && !serial.equals(this.service.serialNumber)) {
      throw cannotBuild(
        `client identification is encrypted to another service certificate (serial ${serial.toString('hex')})`,
      );
    }
    const undecryptable = cannotBuild('encrypted client identification does not decrypt with the service key');
    let plain: Buffer;
    try {
      const privacyKey = privateDecrypt(
        { key: this.service.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        encrypted.encrypted_privacy_key ?? Buffer.alloc(0),
      );
      const iv = encrypted.encrypted_client_id_iv;
      if (privacyKey.length !== 16 || iv?.length !== 16 || !encrypted.encrypted_client_id?.length) throw undecryptable;
      plain = aesCbcDecrypt(privacyKey, iv, encrypted.encrypted_client_id);
    } catch {
      throw undecryptable;
    }
    try {
      return { client: decode('ClientIdentification', plain), privacyMode: true };
    } catch {
      throw cannotBuild('decrypted client identification is not a ClientIdentification');
    }
  }

  /**
   * licenseDuration is how long playback may last once it starts (the token API's wording), which is Widevine's
   * playback_duration (0 = unlimited). The license's own window, which counts from issuance, stays unlimited:
   * a player that starts late still gets the whole duration, and the token's expiry already bounds redemption.
   */
  private licensePolicy(grant: WidevineGrant): Policy {
    const policy: Policy = {
      can_play: true,
      can_persist: false,
      can_renew: this.renewal !== undefined,
      playback_duration_seconds: grant.policy.licenseDuration ?? 0,
      license_duration_seconds: 0,
    };
    if (this.renewal) {
      policy.renewal_delay_seconds = this.renewal.delaySeconds;
      if (this.renewal.retryIntervalSeconds !== undefined)
        policy.renewal_retry_interval_seconds = this.renewal.retryIntervalSeconds;
      if (this.renewal.recoveryDurationSeconds !== undefined) {
        policy.renewal_recovery_duration_seconds = this.renewal.recoveryDurationSeconds;
      }
    }
    return policy;
  }

  /** 64 bytes: mac_key_server ‖ mac_key_client of one license (see the class comment). */
  private licenseMacKeys(sessionId: Buffer, kid: Buffer): Buffer {
    const input = Buffer.allocUnsafe(MAC_KEYS_LABEL.length + sessionId.length + kid.length);
    MAC_KEYS_LABEL.copy(input, 0);
    sessionId.copy(input, MAC_KEYS_LABEL.length);
    kid.copy(input, MAC_KEYS_LABEL.length + sessionId.length);
    return hmac('sha512', this.renewalKey, input);
  }

  // ------------------------------------------------------------------------------------------------ RENEWAL / RELEASE

  private renewalOrRelease(
    kind: 'renewal' | 'release',
    signed: SignedMessage,
    msg: Buffer,
    request: LicenseRequest,
    grant: WidevineGrant,
  ): WidevineOutcome {
    const existing = request.content_id?.existing_license;
    const licenseId = existing?.license_id;
    const sessionId = licenseId?.session_id;
    if (!sessionId || sessionId.length !== 16)
      throw cannotBuild(`${kind} request names no license issued by this server`);
    const macKeys = this.licenseMacKeys(sessionId, grant.kid);
    const macKeyServer = macKeys.subarray(0, 32);
    const macKeyClient = macKeys.subarray(32, 64);
    const signature = signed.signature ?? Buffer.alloc(0);
    // OEMCrypto v15 signs msg; v16+ signs core_message ‖ msg.
    const verified =
      equalBytes(hmacSha256(macKeyClient, msg), signature) ||
      (signed.oemcrypto_core_message !== undefined &&
        equalBytes(hmacSha256(macKeyClient, signed.oemcrypto_core_message, msg), signature));
    if (!verified) {
      throw new WidevineRefusal(
        -4001,
        `${kind} signature does not verify (not a license this server issued for this kid)`,
      );
    }
    // The license's start: the issue time this server wrote into the session id, authenticated by the HMAC above
    // (the request's own license_start_time is the client's word, and is not read).
    const issuedAt = Number(sessionId.readBigUInt64BE(0) & ISSUED_AT_MASK);
    if (grant.tokenExpired) {
      assertIssuedWhileValid(grant, issuedAt);
      // A download's release comes when the user deletes it, possibly long after: answered for the license's life
      // and a grace after it. The durations are the token's, not the license id's type, which the CDM writes.
      if (kind === 'release') {
        const rental = grant.policy.offline?.rentalDuration ?? 0;
        assertReleasable(issuedAt, rental, grant.policy.licenseDuration ?? 0, this.now());
      }
    }
    const id: LicenseIdentification = { ...licenseId, version: (licenseId.version ?? 0) + 1 };

    let license: License;
    if (kind === 'renewal') {
      const duration = grant.policy.licenseDuration;
      let remaining = 0;
      // 0 is unlimited, like null.
      if (duration) {
        remaining = duration - Math.max(0, existing?.seconds_since_started ?? 0);
        if (remaining <= 0) throw cannotBuild('the license duration has elapsed; renewal refused');
      }
      // A multi-key license refreshes the keys its session id's mask says it holds (see multiKeyLicense).
      const refreshed: ReadonlyArray<{
        kid: Buffer;
        contentKey: Buffer;
        hdcpOutputControl: KeyControlOptions['hdcp'];
        securityLevel: number;
      }> = grant.keys
        ? grant.keys.filter((_key, index) => (sessionId.readUInt32BE(8) >>> index) & 1)
        : [{ ...grant.policy, kid: grant.kid, contentKey: grant.contentKey }];
      if (refreshed.length === 0) throw cannotBuild(`${kind} request names no key of this token`);
      const ivs = Buffer.from(pooledRandomBytes(16 * refreshed.length));
      license = {
        id,
        policy: this.licensePolicy(grant),
        key: refreshed.map((key, n) => {
          const keyControlIv = ivs.subarray(16 * n, 16 * n + 16);
          const keyControl = keyControlBlock({
            durationSeconds: remaining,
            nonce: nonceOf(request),
            hdcp: key.hdcpOutputControl,
            securityLevel: key.securityLevel,
          });
          return {
            id: key.kid,
            type: KeyType.KEY_CONTROL,
            key_control: {
              key_control_block: aesCbcEncrypt(key.contentKey, keyControlIv, keyControl, false),
              iv: keyControlIv,
            },
          };
        }),
        license_start_time: issuedAt,
      };
    } else {
      license = {
        id,
        policy: { can_play: false, can_persist: false, can_renew: false },
        license_start_time: this.now(),
      };
    }
    const body = signedLicense(license, macKeyServer);
    // The CDM's usage report of the released license, when it sends one: playback facts for the record.
    const entry = kind === 'release' ? existing?.session_usage_table_entry : undefined;
    const usageReport = entry?.length
      ? readUsageReport(entry, macKeyClient, licenseId.provider_session_token)
      : undefined;
    return { kind, body, sessionId, ...(usageReport && { usageReport }) };
  }
}

// -------------------------------------------------------------------------------------------------- helpers

/** A LicenseRequest type as core's rules name it. */
function requestKind(type: number): 'new' | 'renewal' | 'release' | null {
  return type === RequestType.NEW
    ? 'new'
    : type === RequestType.RENEWAL
      ? 'renewal'
      : type === RequestType.RELEASE
        ? 'release'
        : null;
}

/** The top bit of a session id's issue time: the license's stream is counted (docs/decisions/0023). */
const COUNTED_STREAM_BIT = 1n << 63n;
const ISSUED_AT_MASK = COUNTED_STREAM_BIT - 1n;

function sessionStart(now: number, countedStream: boolean | undefined): bigint {
  return BigInt(Math.max(0, now)) | (countedStream ? COUNTED_STREAM_BIT : 0n);
}

/**
 * True when a session id this licenser wrote (and a renewal's or release's HMAC then authenticated) belongs to a
 * license whose stream was counted against a stream limit (`WidevineGrant.countedStream`). Licenses from before the
 * mark existed read false.
 */
export function isCountedStreamSession(sessionId: Buffer): boolean {
  return sessionId.length === 16 && (sessionId[0] & 0x80) !== 0;
}

function checkGrant(grant: WidevineGrant): void {
  const problem =
    !grant || typeof grant !== 'object'
      ? 'no grant'
      : !Buffer.isBuffer(grant.kid) || grant.kid.length !== 16
        ? 'grant kid must be 16 bytes'
        : !Buffer.isBuffer(grant.contentKey) || grant.contentKey.length !== 16
          ? 'grant content key must be 16 bytes'
          : !Buffer.isBuffer(grant.tokenId)
            ? 'grant tokenId must be bytes'
            : grant.tokenExpired && !Number.isSafeInteger(grant.issuedAt)
              ? 'grant issuedAt must be an integer of unix seconds'
              : grant.policy?.drm !== 'wv'
                ? 'grant policy is not a Widevine policy'
                : ![1, 2, 3, 4, 5].includes(grant.policy.securityLevel)
                  ? 'grant securityLevel must be 1..5'
                  : ![0, 1, 2].includes(grant.policy.hdcpOutputControl)
                    ? 'grant hdcpOutputControl must be 0, 1 or 2'
                    : grant.policy.licenseDuration !== null &&
                        !(Number.isSafeInteger(grant.policy.licenseDuration) && grant.policy.licenseDuration >= 0)
                      ? 'grant licenseDuration must be null or a non-negative integer'
                      : grant.keys !== undefined
                        ? grantKeysProblem(grant)
                        : null;
  if (problem) throw cannotBuild(problem);
}

function grantKeysProblem({ keys, kid }: WidevineGrant): string | null {
  // (Array.isArray would narrow the readonly list to any[].)
  if (!(keys instanceof Array) || keys.length < 1 || keys.length > 32) return 'grant keys must hold 1 to 32 keys';
  if (!Buffer.isBuffer(keys[0].kid) || !keys[0].kid.equals(kid)) return 'grant keys must start with the grant kid';
  for (const key of keys) {
    if (!Buffer.isBuffer(key.kid) || key.kid.length !== 16) return 'grant key kid must be 16 bytes';
    if (!Buffer.isBuffer(key.contentKey) || key.contentKey.length !== 16)
      return 'grant key content key must be 16 bytes';
    if (![1, 2, 3, 4, 5].includes(key.securityLevel)) return 'grant key securityLevel must be 1..5';
    if (![0, 1, 2, 3, 4, 5].includes(key.hdcpOutputControl)) return 'grant key hdcpOutputControl must be 0..5';
    const cap = key.maxResolutionPixels;
    // The license field is a uint32.
    if (cap != null && !(Number.isSafeInteger(cap) && cap >= 1 && cap <= 0xffffffff))
      return 'grant key maxResolutionPixels must be null or 1..4294967295';
  }
  return null;
}

/** What a security level needs of the device (the refusal's wording). */
function needs(securityLevel: number): string {
  return securityLevel >= 4 ? 'needs L1' : 'needs L1 or L2';
}

/** Bit i set for each index i (0–31). */
function maskOf(indexes: readonly number[]): number {
  return indexes.reduce((mask, index) => (mask | (1 << index)) >>> 0, 0);
}

function nonceOf(request: LicenseRequest): number | undefined {
  if (request.key_control_nonce !== undefined) return request.key_control_nonce >>> 0;
  const legacy = request.key_control_nonce_deprecated?.toString('latin1');
  if (legacy && /^\d{1,10}$/.test(legacy) && Number(legacy) <= 0xffffffff) return Number(legacy);
  return undefined;
}

function clientInfo(client: ClientIdentification): Record<string, string> {
  const info: Record<string, string> = {};
  for (const { name, value } of client.client_info ?? []) if (name !== undefined) info[name] = value ?? '';
  return info;
}

function contentRequest(content: ContentIdentification | undefined): ContentRequest {
  let requestId: Buffer | undefined;
  let licenseType: number | undefined;
  let pssh: Buffer | undefined;
  if (content?.widevine_pssh_data) {
    ({ request_id: requestId, license_type: licenseType } = content.widevine_pssh_data);
    pssh = content.widevine_pssh_data.pssh_data?.[0];
  } else if (content?.init_data) {
    ({ request_id: requestId, license_type: licenseType } = content.init_data);
    if ((content.init_data.init_data_type ?? 1) === 1) pssh = content.init_data.init_data;
  } else if (content?.webm_key_id) {
    ({ request_id: requestId, license_type: licenseType } = content.webm_key_id);
  } else {
    throw cannotBuild('license request names no content (content_id)');
  }
  return {
    requestId,
    protectionScheme: pssh ? protectionScheme(pssh) : undefined,
    licenseType: licenseType === LicenseType.OFFLINE ? LicenseType.OFFLINE : LicenseType.STREAMING,
  };
}

/** `protection_scheme` of the Widevine PSSH data (raw WidevinePsshData or inside 'pssh' boxes), if it names one. */
function protectionScheme(data: Buffer): number | undefined {
  const payload = widevinePsshPayload(data);
  if (!payload) return undefined;
  try {
    const scheme = decode('WidevinePsshData', payload).protection_scheme;
    return scheme !== undefined && PROTECTION_SCHEMES.has(scheme) ? scheme : undefined;
  } catch {
    return undefined;
  }
}

function widevinePsshPayload(data: Buffer): Buffer | undefined {
  if (data.length < 8 || data.toString('latin1', 4, 8) !== 'pssh') return data;
  let offset = 0;
  while (offset + 32 <= data.length) {
    const size = data.readUInt32BE(offset);
    if (size < 32 || offset + size > data.length) return undefined;
    const box = data.subarray(offset, offset + size);
    offset += size;
    if (box.toString('latin1', 4, 8) !== 'pssh' || !box.subarray(12, 28).equals(WIDEVINE_SYSTEM_ID)) continue;
    let cursor = 28;
    if (box[8] >= 1) cursor += 4 + 16 * box.readUInt32BE(28);
    if (cursor + 4 > box.length) return undefined;
    const length = box.readUInt32BE(cursor);
    if (cursor + 4 + length > box.length) return undefined;
    return box.subarray(cursor + 4, cursor + 4 + length);
  }
  return undefined;
}

/**
 * A license as the CDM loads it: the License bytes and their HMAC under the server MAC key, with the wrapped session
 * key for a new license (a renewal or release answer is signed with the keys the CDM already holds).
 */
function signedLicense(license: License, macKeyServer: Buffer, wrappedSessionKey?: Buffer): Buffer {
  const licenseBytes = encode('License', license);
  return encodeSignedMessage(
    MessageType.LICENSE,
    licenseBytes,
    hmacSha256(macKeyServer, licenseBytes),
    wrappedSessionKey,
  );
}
