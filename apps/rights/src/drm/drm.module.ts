import { createHash, X509Certificate } from 'node:crypto';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ExpressPlayError } from '@openplay/core';
import {
  appleDevelopmentDask,
  createSoftwareFairPlayKsm,
  type FairPlayCredentialSet,
  createSoftwareWidevineLicenser,
  type FairPlayKsm,
  loadFairPlayCredentials,
  loadWidevineConfig,
  parseTrustedRoot,
  type WidevineFileConfig,
  type WidevineLicenser,
  WidevineSettingError,
  type WidevineSettingName,
} from '@openplay/drm';
import type { RightsConfig } from '../config/rights.config';

/** Injection tokens of the crypto module's two ports. */
export const WIDEVINE_LICENSER = Symbol('WIDEVINE_LICENSER');
export const FAIRPLAY_KSM = Symbol('FAIRPLAY_KSM');

/** The DER application certificates a player may fetch (GET /hms/fp/cert serves the first). */
export const FAIRPLAY_CERTIFICATES = Symbol('FAIRPLAY_CERTIFICATES');

export interface CryptoImplementation {
  readonly widevine: WidevineLicenser;
  readonly fairplay: FairPlayKsm;
  readonly fairplayCertificates: readonly Buffer[];
}

/**
 * Implementations by name. A deployment plugs an HSM- or vendor-SDK-backed module by adding a factory
 * here (or by overriding the two providers); the apps only ever see the ports.
 */
const IMPLEMENTATIONS: Record<string, (config: RightsConfig) => CryptoImplementation> = {
  software: (config) => {
    const widevineConfig = loadWidevineFiles(config);
    if (config.ENVIRONMENT === 'production' && (widevineConfig.trustedRoots ?? []).some(isDevelopmentWidevineRoot)) {
      throw new Error(
        'Invalid configuration: WIDEVINE_TRUSTED_ROOTS: the development Widevine root (apps/rights/dev/widevine) cannot be used in production',
      );
    }
    const widevine = createSoftwareWidevineLicenser({
      ...widevineConfig,
      renewalSecret: Buffer.from(config.WIDEVINE_RENEWAL_SECRET, 'hex'),
      renewal: config.WIDEVINE_RENEWAL_DELAY ? { delaySeconds: config.WIDEVINE_RENEWAL_DELAY } : undefined,
    });
    if (!config.FAIRPLAY_CREDENTIALS) return { widevine, fairplay: fairPlayUnconfigured, fairplayCertificates: [] };
    const sets = loadFairPlayCredentials(config.FAIRPLAY_CREDENTIALS);
    if (config.ENVIRONMENT === 'production' && sets.some(isAppleDevelopmentSet)) {
      throw new Error(
        "Invalid configuration: FAIRPLAY_CREDENTIALS: Apple's development credentials cannot be used in production",
      );
    }
    return {
      widevine,
      fairplay: createSoftwareFairPlayKsm(sets),
      fairplayCertificates: sets.map((set) => new X509Certificate(set.certificate).raw),
    };
  },
};

/** The setting behind each of the drm package's Widevine settings, for the start-up error line. */
const WIDEVINE_SETTINGS: Record<WidevineSettingName, keyof RightsConfig> = {
  trustedRoots: 'WIDEVINE_TRUSTED_ROOTS',
  serviceCertificate: 'WIDEVINE_SERVICE_CERTIFICATE',
  'serviceCertificate.privateKey': 'WIDEVINE_SERVICE_PRIVATE_KEY',
  devices: 'WIDEVINE_DEVICES',
  deviceStatusList: 'WIDEVINE_DCSL',
};

/** Reads and checks the Widevine files the configuration names; a bad one is one line naming its setting. */
function loadWidevineFiles(config: RightsConfig): WidevineFileConfig {
  const { WIDEVINE_SERVICE_CERTIFICATE: certificate, WIDEVINE_SERVICE_PRIVATE_KEY: privateKey } = config;
  try {
    return loadWidevineConfig({
      trustedRoots: config.WIDEVINE_TRUSTED_ROOTS,
      serviceCertificate:
        certificate !== undefined && privateKey !== undefined ? { certificate, privateKey } : undefined,
      devices: config.WIDEVINE_DEVICES,
      deviceStatusList: config.WIDEVINE_DCSL,
      unknownDevices: config.WIDEVINE_UNKNOWN_DEVICES,
    });
  } catch (error) {
    if (!(error instanceof WidevineSettingError)) throw error;
    throw new Error(`Invalid configuration: ${WIDEVINE_SETTINGS[error.setting]}: ${error.message}`, { cause: error });
  }
}

/**
 * SHA-256 of the PKCS#1 public key of the development Widevine root (apps/rights/dev/widevine/root.bin): its
 * private key is committed beside it, so it vouches for nothing.
 */
export const DEVELOPMENT_WIDEVINE_ROOT_FINGERPRINT = 'd36b12860e80e5c1e57c5c9704962775d5574168bc2ae93ad30f29109a5d65a4';

function isDevelopmentWidevineRoot(root: Buffer): boolean {
  return parseTrustedRoot(root).fingerprint === DEVELOPMENT_WIDEVINE_ROOT_FINGERPRINT;
}

/** SHA-1 of the FPS Server SDK's development certificate: it protects nothing (its key and DASk are public). */
const APPLE_DEVELOPMENT_CERTIFICATE_SHA1 = '5561980aa51f03aa04bca24556c841a71736c771';

/** Apple's development credential set: its certificate, or its published DASk. */
function isAppleDevelopmentSet(set: FairPlayCredentialSet): boolean {
  const sha1 = createHash('sha1').update(new X509Certificate(set.certificate).raw).digest('hex');
  return (
    sha1 === APPLE_DEVELOPMENT_CERTIFICATE_SHA1 || (set.dask !== undefined && set.dask.equals(appleDevelopmentDask()))
  );
}

const fairPlayUnconfigured: FairPlayKsm = {
  createCkc: () => Promise.reject(new ExpressPlayError(-6004, 'this server has no FairPlay credentials configured')),
};

/** Builds the configured implementation; an unknown name or bad credentials stop the start-up. */
export function createCryptoImplementation(config: RightsConfig): CryptoImplementation {
  const factory = IMPLEMENTATIONS[config.CRYPTO_MODULE];
  if (!factory) throw new Error(`Invalid configuration: CRYPTO_MODULE: unknown implementation ${config.CRYPTO_MODULE}`);
  return factory(config);
}

@Global()
@Module({})
export class CryptoModule {
  static forRoot(implementation: CryptoImplementation): DynamicModule {
    return {
      module: CryptoModule,
      providers: [
        { provide: WIDEVINE_LICENSER, useValue: implementation.widevine },
        { provide: FAIRPLAY_KSM, useValue: implementation.fairplay },
        { provide: FAIRPLAY_CERTIFICATES, useValue: implementation.fairplayCertificates },
      ],
      exports: [WIDEVINE_LICENSER, FAIRPLAY_KSM, FAIRPLAY_CERTIFICATES],
    };
  }
}
