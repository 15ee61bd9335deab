import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { CommonConfig, DEV_AUTHENTICATOR_PEPPER, DEV_TOKEN_KEYS, toInt, validateConfig } from '@openplay/nest-kit';

export { DEV_AUTHENTICATOR_PEPPER, DEV_TOKEN_KEYS };

export class TokenGenConfig extends CommonConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  TOKEN_GEN_PORT = 8080;

  @IsString()
  TOKEN_GEN_HOST = '0.0.0.0';

  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'RIGHTS_PUBLIC_URL must be an http(s) URL' },
  )
  RIGHTS_PUBLIC_URL = 'http://localhost:8081';

  @Matches(/^([0-9a-fA-F]{2}){16,64}$/, { message: 'AUTHENTICATOR_PEPPER must be 32 to 128 hex digits' })
  AUTHENTICATOR_PEPPER = DEV_AUTHENTICATOR_PEPPER;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1_048_576)
  MAX_BODY_BYTES = 65_536;

  /**
   * Audit records are kept this many whole days (UTC) before their day's partition is dropped; 0 keeps them forever
   * (docs/decisions/0020-audit-partitions.md).
   */
  @Transform(toInt)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be a whole number of days (0: keep forever)' })
  @Min(0, { message: 'AUDIT_RETENTION_DAYS must be a whole number of days (0: keep forever)' })
  @Max(36_500, { message: 'AUDIT_RETENTION_DAYS must be a whole number of days (0: keep forever)' })
  AUDIT_RETENTION_DAYS = 0;

  /** Bearer key of the admin API under /admin; unset, the admin API answers 404 like any unknown path. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,256}$/, { message: 'ADMIN_API_KEY must be 16 to 256 visible ASCII characters (no spaces)' })
  ADMIN_API_KEY?: string;
}

/** Validates the environment; throws one clear line naming the first bad setting. */
export function validateTokenGenConfig(env: Record<string, unknown>): TokenGenConfig {
  const config = validateConfig(TokenGenConfig, env, [
    ['AUTHENTICATOR_PEPPER', DEV_AUTHENTICATOR_PEPPER, 'the development pepper'],
  ]);
  if (
    config.ENVIRONMENT === 'production' &&
    config.ADMIN_API_KEY !== undefined &&
    isWeakAdminKey(config.ADMIN_API_KEY)
  ) {
    throw new Error(
      'Invalid configuration: ADMIN_API_KEY: too weak for production: at least 32 characters from a random source (openssl rand -hex 32)',
    );
  }
  return config;
}

/** Short, or made of few different characters (aaaa…, 1212…): not a random key. */
export function isWeakAdminKey(key: string): boolean {
  return key.length < 32 || new Set(key).size < 8;
}
