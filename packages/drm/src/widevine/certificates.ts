import { createHash, createPrivateKey, createPublicKey, hash, type KeyObject } from 'node:crypto';
import { hashAlgorithmName, verifyPss } from './primitives';
import { decode, type DrmCertificate, type SignedDrmCertificate } from './proto';

/** DrmCertificate.type values. */
export const CertificateType = { ROOT: 0, DEVICE_MODEL: 1, DEVICE: 2, SERVICE: 3, PROVISIONER: 4 } as const;

/**
 * Google's Widevine root certificate (a public fact): serialized SignedDrmCertificate, type ROOT, serial 0x00,
 * created 1365379677 (2013-04-08), RSA-3072, self-signed with RSASSA-PSS/SHA-1/salt 20. Same bytes as pywidevine's
 * `Cdm.root_signed_cert`; SHA-256 of its PKCS#1 public key is 4d37517967d93c1fe39ea841f17a88da28c4aba7f3f09505224cafdf33f75c32.
 */
export const GOOGLE_WIDEVINE_ROOT_CERTIFICATE: Buffer = Buffer.from(
  'CpwDCAASAQAY3ZSIiwUijgMwggGKAoIBgQC0/jnDZZAD2zwRlwnoaM3yw16b8udNI7EQ24dl39z7nzWgVwNTTPZtNX2meNuzNtI/nECplSZy' +
    'f7i+Zt/FIZh4FRZoXS9GDkPLioQ5q/uwNYAivjQji6tTW3LsS7VIaVM+R1/9Cf2ndhOPD5LWTN+udqm62SIQqZ1xRdbX4RklhZxTmpfrhNfM' +
    'qIiCIHAmIP1+QFAn4iWTb7w+cqD6wb0ptE2CXMG0y5xyfrDpihc+GWP8/YJIK7eyM7l97Eu6iR8nuJuISISqGJIOZfXIbBH/azbkdDTKjDOx' +
    '+biOtOYS4AKYeVJeRTP/Edzrw1O6fGAaET0A+9K3qjD6T15Id1sX3HXvb9IZbdy+f7B4j9yCYEy/5CkGXmmMOROtFCXtGbLynwGCDVZEiMg1' +
    '7B8RsyTgWQ035Ec86kt/lzEcgXyUikx9aBWE/6UI/Rjn5yvkRycSEbgj7FiTPKwS0ohtQT3F/hzcufjUUT4H5QNvpxLoEve1zqaWVT94tGSC' +
    'UNIzX5ECAwEAARKAA1jx1k0ECXvf1+9dOwI5F/oUNnVKOGeFVxKnFO41FtU9v0KG9mkAds2T9Hyy355EzUzUrgkYU0Qy7OBhG+XaE9NVxd0a' +
    'y5AeflvG6Q8in76FAv6QMcxrA4S9IsRV+vXyCM1lQVjofSnaBFiC9TdpvPNaV4QXezKHcLKwdpyywxXRESYqI3WZPrl3IjINvBoZwdVlkHZV' +
    'dA8OaU1fTY8Zr9/WFjGUqJJfT7x6Mfiujq0zt+kw0IwKimyDNfiKgbL+HIisKmbF/73mF9BiC9yKRfewPlrIHkokL2yl4xyIFIPVxe9enz2F' +
    'RXPia1BSV0z7kmxmdYrWDRuu8+yvUSIDXQouY5OcCwEgqKmELhfKrnPsIht5rvagcizfB0fbiIYwFHghESKIrNdUdPnzJsKlVshWTwApHQh7' +
    'evuVicPumFSePGuUBRMS9nG5qxPDDJtGCHs9Mmpoyh6ckGLF7RC5HxclzpC5bc3ERvWjYhN0AqdipPpV2d7PouaAdFUGSdUCDA==',
  'base64',
);

export interface TrustedRoot {
  /** Hex SHA-256 of the root's PKCS#1 public key: how logs and errors name a root. */
  readonly fingerprint: string;
  readonly publicKeyDer: Buffer;
  readonly publicKey: KeyObject;
}

/** Why a certificate chain was refused. `unsupported` means a well-formed chain this server cannot serve (ECC). */
export class CertificateError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'expired' | 'unsupported' = 'invalid',
  ) {
    super(message);
    this.name = 'CertificateError';
  }
}

function hashFor(signed: SignedDrmCertificate): 'sha1' | 'sha256' | 'sha384' {
  const name = hashAlgorithmName(signed.hash_algorithm);
  if (!name) throw new CertificateError(`unknown certificate hash algorithm ${signed.hash_algorithm}`);
  return name;
}

function decodeSigned(bytes: Buffer, what: string): { signed: SignedDrmCertificate; cert: DrmCertificate } {
  let signed: SignedDrmCertificate;
  let cert: DrmCertificate;
  try {
    signed = decode('SignedDrmCertificate', bytes);
    if (!signed.drm_certificate?.length) throw new Error('no drm_certificate');
    cert = decode('DrmCertificate', signed.drm_certificate);
  } catch {
    throw new CertificateError(`${what} certificate is not a SignedDrmCertificate`);
  }
  if (!signed.signature?.length) throw new CertificateError(`${what} certificate is not signed`);
  return { signed, cert };
}

export function importRsaPublicKey(der: Buffer | undefined, what: string): KeyObject {
  const algorithmError = new CertificateError(`${what} certificate holds no RSA public key`);
  if (!der?.length) throw algorithmError;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
  } catch {
    throw algorithmError;
  }
  if (key.asymmetricKeyType !== 'rsa') throw algorithmError;
  return key;
}

function requireRsa(cert: DrmCertificate, what: string): void {
  const algorithm = cert.algorithm ?? 1;
  if (algorithm !== 0 && algorithm !== 1) {
    throw new CertificateError(
      `${what} certificate uses an ECC key (algorithm ${algorithm}), which is not supported`,
      'unsupported',
    );
  }
}

function fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Parses a trusted root (serialized SignedDrmCertificate of type ROOT) and checks its self-signature. */
export function parseTrustedRoot(bytes: Buffer): TrustedRoot {
  const { signed, cert } = decodeSigned(bytes, 'root');
  if ((cert.type ?? 0) !== CertificateType.ROOT)
    throw new CertificateError(`root certificate has type ${cert.type}, not ROOT`);
  requireRsa(cert, 'root');
  const publicKey = importRsaPublicKey(cert.public_key, 'root');
  if (!verifyPss(publicKey, hashFor(signed), signed.drm_certificate!, signed.signature!)) {
    throw new CertificateError('root certificate is not validly self-signed');
  }
  return { fingerprint: fingerprint(cert.public_key!), publicKeyDer: cert.public_key!, publicKey };
}

export interface VerifiedCertificate {
  readonly systemId: number;
  readonly serialNumber: Buffer;
  readonly publicKey: KeyObject;
  /** Key that session keys are wrapped to: the dual-key `encryption_key` when present, else `publicKey`. */
  readonly encryptionKey: KeyObject;
  /** 0 = never. */
  readonly expiresAt: number;
  readonly root: TrustedRoot;
}

export interface VerifiedDeviceChain {
  readonly device: VerifiedCertificate;
  readonly model: VerifiedCertificate;
}

function checkExpiry(cert: VerifiedCertificate, what: string, now: number): void {
  if (cert.expiresAt !== 0 && cert.expiresAt < now)
    throw new CertificateError(`${what} certificate expired`, 'expired');
}

/** A bounded map that forgets the oldest entry first. */
class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: V): void {
    if (this.capacity <= 0) return;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
  }
}

function cacheKey(bytes: Buffer): string {
  return hash('sha256', bytes, 'base64');
}

/**
 * Verifies DEVICE → DEVICE_MODEL → trusted ROOT chains (RSASSA-PSS, SHA-1 unless the certificate says otherwise).
 * Successfully verified model and device certificates are cached by the SHA-256 of their serialized bytes, so a
 * repeat request costs no certificate signature check; expiry is still checked on every call.
 */
export class DrmCertificateVerifier {
  private readonly models: BoundedCache<VerifiedCertificate>;
  private readonly devices: BoundedCache<VerifiedDeviceChain>;

  constructor(
    readonly roots: readonly TrustedRoot[],
    cacheSize = 10_000,
  ) {
    this.models = new BoundedCache(cacheSize);
    this.devices = new BoundedCache(cacheSize);
  }

  /** `token` = ClientIdentification.token, a serialized SignedDrmCertificate of the device. */
  verifyDevice(token: Buffer, now: number): VerifiedDeviceChain {
    const key = cacheKey(token);
    let chain = this.devices.get(key);
    if (!chain) {
      chain = this.verifyDeviceUncached(token);
      this.devices.set(key, chain);
    }
    checkExpiry(chain.device, 'device', now);
    checkExpiry(chain.model, 'device model', now);
    return chain;
  }

  private verifyDeviceUncached(token: Buffer): VerifiedDeviceChain {
    const { signed, cert } = decodeSigned(token, 'device');
    if ((cert.type ?? 0) !== CertificateType.DEVICE)
      throw new CertificateError(`device certificate has type ${cert.type ?? 0}, not DEVICE`);
    requireRsa(cert, 'device');
    if (!signed.signer?.length) throw new CertificateError('device certificate names no signer');
    const model = this.verifyModel(signed.signer);
    if (!verifyPss(model.publicKey, hashFor(signed), signed.drm_certificate!, signed.signature!)) {
      throw new CertificateError('device certificate signature does not verify with its model certificate');
    }
    const systemId = cert.system_id ?? model.systemId;
    if (systemId !== model.systemId) {
      throw new CertificateError(`device certificate system id ${systemId} differs from its model's ${model.systemId}`);
    }
    const publicKey = importRsaPublicKey(cert.public_key, 'device');
    let encryptionKey = publicKey;
    if (cert.encryption_key?.public_key?.length) {
      const algorithm = cert.encryption_key.algorithm ?? 1;
      if (algorithm !== 0 && algorithm !== 1)
        throw new CertificateError('device encryption key is not RSA', 'unsupported');
      encryptionKey = importRsaPublicKey(cert.encryption_key.public_key, 'device encryption');
    }
    return {
      model,
      device: {
        systemId,
        serialNumber: cert.serial_number ?? Buffer.alloc(0),
        publicKey,
        encryptionKey,
        expiresAt: cert.expiration_time_seconds ?? 0,
        root: model.root,
      },
    };
  }

  private verifyModel(bytes: Buffer): VerifiedCertificate {
    const key = cacheKey(bytes);
    const cached = this.models.get(key);
    if (cached) return cached;
    const { signed, cert } = decodeSigned(bytes, 'device model');
    if ((cert.type ?? 0) !== CertificateType.DEVICE_MODEL) {
      throw new CertificateError(`device model certificate has type ${cert.type ?? 0}, not DEVICE_MODEL`);
    }
    requireRsa(cert, 'device model');
    if (cert.system_id === undefined) throw new CertificateError('device model certificate has no system id');
    const root = this.findSigner(signed, 'device model');
    const publicKey = importRsaPublicKey(cert.public_key, 'device model');
    const verified: VerifiedCertificate = {
      systemId: cert.system_id,
      serialNumber: cert.serial_number ?? Buffer.alloc(0),
      publicKey,
      encryptionKey: publicKey,
      expiresAt: cert.expiration_time_seconds ?? 0,
      root,
    };
    this.models.set(key, verified);
    return verified;
  }

  /** The trusted root whose key verifies `signed`. A signer carried in the chain only narrows the search. */
  findSigner(signed: SignedDrmCertificate, what: string): TrustedRoot {
    const hash = hashFor(signed);
    let candidates = this.roots;
    if (signed.signer?.length) {
      let carried: DrmCertificate;
      try {
        carried = decodeSigned(signed.signer, `${what} signer`).cert;
      } catch {
        throw new CertificateError(`${what} certificate's signer is not a SignedDrmCertificate`);
      }
      candidates = this.roots.filter((root) => carried.public_key?.equals(root.publicKeyDer));
      if (candidates.length === 0) throw new CertificateError(`${what} certificate chains to an untrusted root`);
    }
    const root = candidates.find((r) => verifyPss(r.publicKey, hash, signed.drm_certificate!, signed.signature!));
    if (!root) throw new CertificateError(`${what} certificate is not signed by a trusted root`);
    return root;
  }
}

export interface ServiceCertificate {
  readonly signedBytes: Buffer;
  readonly serialNumber: Buffer;
  readonly providerId: string;
  readonly publicKey: KeyObject;
}

/** Parses the configured service certificate and checks it chains to a trusted root (clients check the same). */
export function parseServiceCertificate(bytes: Buffer, verifier: DrmCertificateVerifier): ServiceCertificate {
  const { signed, cert } = decodeSigned(bytes, 'service');
  if ((cert.type ?? 0) !== CertificateType.SERVICE)
    throw new CertificateError(`service certificate has type ${cert.type ?? 0}, not SERVICE`);
  requireRsa(cert, 'service');
  const publicKey = importRsaPublicKey(cert.public_key, 'service');
  verifier.findSigner(signed, 'service');
  return {
    signedBytes: bytes,
    serialNumber: cert.serial_number ?? Buffer.alloc(0),
    providerId: cert.provider_id ?? '',
    publicKey,
  };
}

/** Imports the service certificate's private key (KeyObject, PEM, PKCS#1 or PKCS#8 DER) and checks it matches. */
export function importServicePrivateKey(key: KeyObject | string | Buffer, certificate: ServiceCertificate): KeyObject {
  let privateKey: KeyObject;
  try {
    if (typeof key === 'string') privateKey = createPrivateKey(key);
    else if (Buffer.isBuffer(key)) {
      if (key.subarray(0, 64).toString('latin1').includes('-----BEGIN')) privateKey = createPrivateKey(key);
      else {
        try {
          privateKey = createPrivateKey({ key, format: 'der', type: 'pkcs1' });
        } catch {
          privateKey = createPrivateKey({ key, format: 'der', type: 'pkcs8' });
        }
      }
    } else privateKey = key;
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa')
      throw new Error('not an RSA private key');
  } catch {
    throw new Error('Widevine service private key is not an RSA private key (PEM or DER)');
  }
  const derived = createPublicKey(privateKey).export({ type: 'pkcs1', format: 'der' });
  const expected = certificate.publicKey.export({ type: 'pkcs1', format: 'der' });
  if (!derived.equals(expected)) throw new Error('Widevine service private key does not match the service certificate');
  return privateKey;
}
