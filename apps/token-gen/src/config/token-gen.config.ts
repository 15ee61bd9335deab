import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';

import { assertTokenKeys, DEV_AUTHENTICATOR_PEPPER, DEV_TOKEN_KEYS } from '@openplay/nest-kit';

export { DEV_AUTHENTICATOR_PEPPER, DEV_TOKEN_KEYS };

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

export class TokenGenConfig {
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgresql:// connection URL' })
  DATABASE_URL!: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  TOKEN_GEN_PORT = 8080;

  @IsString()
  TOKEN_GEN_HOST = '0.0.0.0';

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'RIGHTS_PUBLIC_URL must be an http(s) URL' })
  RIGHTS_PUBLIC_URL = 'http://localhost:8081';

  @IsIn(['test', 'production'], { message: 'ENVIRONMENT must be test or production' })
  ENVIRONMENT: 'test' | 'production' = 'test';

  @IsString()
  TOKEN_KEYS = DEV_TOKEN_KEYS;

  @Matches(/^([0-9a-fA-F]{2}){16,64}$/, { message: 'AUTHENTICATOR_PEPPER must be 32 to 128 hex digits' })
  AUTHENTICATOR_PEPPER = DEV_AUTHENTICATOR_PEPPER;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** How long an account's status, options, credits and authenticators are cached per instance. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  ACCOUNT_CACHE_TTL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1_048_576)
  MAX_BODY_BYTES = 65_536;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  /** Bearer key of the admin API under /admin; unset, the admin API answers 404 like any unknown path. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,256}$/, { message: 'ADMIN_API_KEY must be 16 to 256 visible ASCII characters (no spaces)' })
  ADMIN_API_KEY?: string;
}

/** Validates the environment; throws one clear line naming the first bad setting. */
export function validateTokenGenConfig(env: Record<string, unknown>): TokenGenConfig {
  const config = plainToInstance(TokenGenConfig, stripEmpty(env), { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const first = errors[0]!;
    const why = Object.values(first.constraints ?? {})[0] ?? 'invalid';
    throw new Error(`Invalid configuration: ${first.property}: ${why}`);
  }
  assertTokenKeys(config.TOKEN_KEYS);
  if (config.ENVIRONMENT === 'production') {
    if (config.TOKEN_KEYS === DEV_TOKEN_KEYS) throw new Error('Invalid configuration: TOKEN_KEYS: the development key ring cannot be used in production');
    if (config.AUTHENTICATOR_PEPPER === DEV_AUTHENTICATOR_PEPPER) throw new Error('Invalid configuration: AUTHENTICATOR_PEPPER: the development pepper cannot be used in production');
    if (config.ADMIN_API_KEY !== undefined && isWeakAdminKey(config.ADMIN_API_KEY)) {
      throw new Error('Invalid configuration: ADMIN_API_KEY: too weak for production: at least 32 characters from a random source (openssl rand -hex 32)');
    }
  }
  return config;
}

/** Short, or made of few different characters (aaaa…, 1212…): not a random key. */
export function isWeakAdminKey(key: string): boolean {
  return key.length < 32 || new Set(key).size < 8;
}

function stripEmpty(env: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}
