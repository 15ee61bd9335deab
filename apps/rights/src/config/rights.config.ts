import { Transform } from 'class-transformer';
import { IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import type { WidevineUnknownDevicePolicy } from '@openplay/drm';
import { CommonConfig, toInt, validateConfig } from '@openplay/nest-kit';

/** Public development default for the Widevine renewal secret; production refuses it. */
export const DEV_RENEWAL_SECRET = '6f70656e706c61792d6465762d72656e6577616c2d7365637265742d31323334';

/** A file path; surrounding blanks are dropped, and a blank value counts as unset. */
const toPath = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || undefined : value);

/** Comma-separated file paths. */
const toPaths = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((path) => path.trim())
        .filter(Boolean)
    : value;

const SERVICE_CERTIFICATE_PAIR = 'WIDEVINE_SERVICE_CERTIFICATE and WIDEVINE_SERVICE_PRIVATE_KEY must be set together';
const hasServiceCertificate = (config: RightsConfig) =>
  config.WIDEVINE_SERVICE_CERTIFICATE !== undefined || config.WIDEVINE_SERVICE_PRIVATE_KEY !== undefined;

export class RightsConfig extends CommonConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  RIGHTS_PORT = 8081;

  @IsString()
  RIGHTS_HOST = '0.0.0.0';

  /** Challenges and SPCs are a few kilobytes; the limit keeps a flood of large bodies cheap to refuse. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(4_194_304)
  MAX_BODY_BYTES = 65_536;

  /** `*`, or comma-separated origins allowed to call the rights endpoints from a browser. */
  @IsString()
  CORS_ORIGINS = '*';

  /** Which implementation of the crypto module serves the DRM work. */
  @IsIn(['software'], { message: 'CRYPTO_MODULE must be software (the only implementation in this build)' })
  CRYPTO_MODULE = 'software';

  /** Derives each Widevine license's renewal keys, so renewals need no per-license state (64+ hex digits). */
  @Matches(/^([0-9a-fA-F]{2}){32,64}$/, { message: 'WIDEVINE_RENEWAL_SECRET must be 64 to 128 hex digits' })
  WIDEVINE_RENEWAL_SECRET = DEV_RENEWAL_SECRET;

  /** Seconds after which a CDM renews a license; unset: licenses do not renew. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WIDEVINE_RENEWAL_DELAY?: number;

  /**
   * Seconds a stream of a stream-limited token (`maxStreams`) stays live past WIDEVINE_RENEWAL_DELAY without a renewal:
   * then it is dead and frees its slot (without renewals, it is live this long after its license).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  STREAM_GRACE_SECONDS = 30;

  /** Comma-separated files of Widevine roots (binary or base64 SignedDrmCertificate) trusted beside Google's. */
  @Transform(toPaths)
  @IsArray()
  @IsString({ each: true })
  WIDEVINE_TRUSTED_ROOTS: string[] = [];

  /** The Widevine service certificate file (binary or base64), with its private key (PEM or DER): both or neither. */
  @Transform(toPath)
  @ValidateIf(hasServiceCertificate)
  @IsString({ message: SERVICE_CERTIFICATE_PAIR })
  WIDEVINE_SERVICE_CERTIFICATE?: string;

  @Transform(toPath)
  @ValidateIf(hasServiceCertificate)
  @IsString({ message: SERVICE_CERTIFICATE_PAIR })
  WIDEVINE_SERVICE_PRIVATE_KEY?: string;

  /** JSON file `{"<system id>": {"level": "L1", "status": "valid"}}` of the devices known to this server. */
  @Transform(toPath)
  @IsOptional()
  @IsString()
  WIDEVINE_DEVICES?: string;

  /** Google's Device Certificate Status List file (binary or base64). */
  @Transform(toPath)
  @IsOptional()
  @IsString()
  WIDEVINE_DCSL?: string;

  /** What a device in neither list gets; unset: L3 in test, reject in production (validateRightsConfig fills it in). */
  @Transform(toPath)
  @IsOptional()
  @IsIn(['reject', 'L1', 'L2', 'L3'], { message: 'WIDEVINE_UNKNOWN_DEVICES must be reject, L1, L2 or L3' })
  WIDEVINE_UNKNOWN_DEVICES!: WidevineUnknownDevicePolicy;

  /** JSON file listing FairPlay credential sets (see README); unset: FairPlay redemptions get -6004. */
  @IsOptional()
  @IsString()
  FAIRPLAY_CREDENTIALS?: string;

  /** A Clear Key clip (makeClearKeyClip of @openplay/drm/testing) to play on the demo page at /demo/; unset: no /demo/. */
  @Transform(toPath)
  @IsOptional()
  @IsString()
  DEMO_MEDIA_DIR?: string;
}

/** Validates the environment; throws one clear line naming the first bad setting. */
export function validateRightsConfig(env: Record<string, unknown>): RightsConfig {
  const config = validateConfig(RightsConfig, env, [
    ['WIDEVINE_RENEWAL_SECRET', DEV_RENEWAL_SECRET, 'the development secret'],
  ]);
  config.WIDEVINE_UNKNOWN_DEVICES ??= config.ENVIRONMENT === 'production' ? 'reject' : 'L3';
  return config;
}
