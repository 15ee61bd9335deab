import { createHash, createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { AskDaskProvider, FixedDaskProvider, type DaskProvider } from './dask';
import type { SpcVersion } from './spc';

/**
 * One FairPlay deployment package: application certificate, its RSA private key, and the secret that
 * yields the DASk — the ASk (production: published D function), a fixed DASk (Apple's development
 * vectors), or a custom provider (HSM, vendor library). Exactly one of `ask`, `dask`, `daskProvider`.
 */
export interface FairPlayCredentialSet {
  /** The application certificate (X.509, DER; PEM accepted). Its DER's SHA-1 is what SPCs name. */
  readonly certificate: Buffer;
  /** The certificate's RSA private key: a KeyObject, or PEM (PKCS#1/PKCS#8) text or bytes. */
  readonly privateKey: KeyObject | string | Buffer;
  readonly ask?: Buffer;
  readonly dask?: Buffer;
  readonly daskProvider?: DaskProvider;
  /** Used in configuration error messages only (e.g. the file it came from). */
  readonly label?: string;
}

/** A credential set ready for requests: parsed once, KeyObjects created once. */
export interface PreparedFairPlayCredentials {
  readonly certificateHash: Buffer;
  readonly certificateHashHex: string;
  readonly privateKey: KeyObject;
  /** 1 for a 1024-bit key, 2 for a 2048-bit key: the only SPC container version it can open. */
  readonly spcVersion: SpcVersion;
  readonly daskProvider: DaskProvider;
}

function toPrivateKey(key: KeyObject | string | Buffer, label: string): KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== 'private') throw new Error(`${label}: privateKey is a ${key.type} key, not a private key`);
    return key;
  }
  try {
    return createPrivateKey(key);
  } catch {
    if (Buffer.isBuffer(key)) {
      for (const type of ['pkcs8', 'pkcs1'] as const) {
        try {
          return createPrivateKey({ key, format: 'der', type });
        } catch {
          // try the next encoding
        }
      }
    }
    throw new Error(`${label}: privateKey is not a readable RSA private key (PEM or DER)`);
  }
}

/**
 * Validates a credential set and builds its KeyObjects. Throws one-line Errors (configuration problems,
 * reported at start-up): unreadable certificate or key, a key that is not RSA-1024/2048, a certificate
 * and private key that do not match, or not exactly one DASk source.
 */
export function prepareFairPlayCredentials(set: FairPlayCredentialSet, index = 0): PreparedFairPlayCredentials {
  const label = set.label ?? `FairPlay credential set ${index}`;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(set.certificate);
  } catch {
    throw new Error(`${label}: certificate is not a readable X.509 certificate`);
  }
  const privateKey = toPrivateKey(set.privateKey, label);
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new Error(`${label}: privateKey is ${privateKey.asymmetricKeyType}, FairPlay needs RSA`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (bits !== 1024 && bits !== 2048) throw new Error(`${label}: privateKey is RSA-${bits}, expected 1024 or 2048`);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(`${label}: the certificate and the private key do not match`);
  }
  const sources = [set.ask, set.dask, set.daskProvider].filter((source) => source !== undefined).length;
  if (sources !== 1) throw new Error(`${label}: give exactly one of ask, dask or daskProvider`);
  let daskProvider: DaskProvider;
  try {
    daskProvider =
      set.daskProvider ?? (set.ask ? new AskDaskProvider(set.ask) : new FixedDaskProvider(set.dask as Buffer));
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`, { cause: error });
  }
  const certificateHash = createHash('sha1').update(certificate.raw).digest();
  return {
    certificateHash,
    certificateHashHex: certificateHash.toString('hex'),
    privateKey,
    spcVersion: bits === 1024 ? 1 : 2,
    daskProvider,
  };
}
