import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CommonConfig, toInt, validateConfig } from '@openplay/nest-kit';

/** Public development default for the Widevine renewal secret; production refuses it. */
export const DEV_RENEWAL_SECRET = '6f70656e706c61792d6465762d72656e6577616c2d7365637265742d31323334';

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

  /** JSON file listing FairPlay credential sets (see README); unset: FairPlay redemptions get -6004. */
  @IsOptional()
  @IsString()
  FAIRPLAY_CREDENTIALS?: string;

}

/** Validates the environment; throws one clear line naming the first bad setting. */
export function validateRightsConfig(env: Record<string, unknown>): RightsConfig {
  return validateConfig(RightsConfig, env, [['WIDEVINE_RENEWAL_SECRET', DEV_RENEWAL_SECRET, 'the development secret']]);
}
