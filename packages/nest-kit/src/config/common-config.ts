import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import type { NativeSetting } from '@openplay/cipher';
import type { HttpLimits } from '../http/http-limits';
import { defaultWorkers, MAX_WORKERS } from '../cluster/workers-setting';
import { assertTokenKeys, DEV_TOKEN_KEYS } from './dev-defaults';

/** Environment values are strings; an empty one counts as unset. */
export const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

/** The settings both apps share; each app's config class extends it with its own. */
export class CommonConfig {
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgresql:// connection URL' })
  DATABASE_URL!: string;

  @IsIn(['test', 'production'], { message: 'ENVIRONMENT must be test or production' })
  ENVIRONMENT: 'test' | 'production' = 'test';

  @IsString()
  TOKEN_KEYS = DEV_TOKEN_KEYS;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /**
   * Processes serving the port (node:cluster), each with its own database pool. Unset: the available cores in
   * production, 1 otherwise (see validateConfig). 1 runs no cluster primary at all.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: `WORKERS must be an integer from 1 to ${MAX_WORKERS}` })
  @Min(1, { message: `WORKERS must be an integer from 1 to ${MAX_WORKERS}` })
  @Max(MAX_WORKERS, { message: `WORKERS must be an integer from 1 to ${MAX_WORKERS}` })
  WORKERS!: number;

  /** Longest a new database connection may take to be ready. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DATABASE_CONNECT_TIMEOUT_MS = 2000;

  /** Longest a query waits for a pooled connection (a new one's connecting included), and a write for its batch. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DATABASE_ACQUIRE_TIMEOUT_MS = 2000;

  /** Longest a statement may run: the server's statement_timeout, and the client's own limit a moment later. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DATABASE_STATEMENT_TIMEOUT_MS = 2000;

  /** How long an instance caches an account's status, options, credits and authenticators. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  ACCOUNT_CACHE_TTL_MS = 1000;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  /**
   * The native AES/HMAC addon of @openplay/cipher: `auto` uses it when it loads (node:crypto otherwise, with a
   * warning at start-up), `required` refuses to start without it, `off` never loads it.
   */
  @IsIn(['auto', 'required', 'off'], { message: 'OPENPLAY_NATIVE must be auto, required or off' })
  OPENPLAY_NATIVE: NativeSetting = 'auto';

  /**
   * The proxies in front of the app, whose X-Forwarded-For gives the client address recorded in audit rows:
   * `true` (every hop: only when nothing can reach the app directly), or comma-separated addresses and CIDRs.
   * Unset: the socket's peer.
   */
  @IsOptional()
  @Matches(/^(true|[0-9a-fA-F:./]+(\s*,\s*[0-9a-fA-F:./]+)*)$/, {
    message: 'TRUST_PROXY must be true or comma-separated addresses/CIDRs',
  })
  TRUST_PROXY?: string;

  /** Time for a whole request (head and body) to arrive; slower clients get 408 and are disconnected. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  /** Time for a request's head (request line and headers) to arrive; at most HTTP_REQUEST_TIMEOUT_MS. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  /**
   * How long an idle keep-alive connection stays open. Fastify's default: above the 60 s idle timeout of common
   * load balancers, so that the balancer, not the app, closes an idle connection (closing first races its reuse).
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  /** Open connections an instance serves; connections beyond are answered 503 with Retry-After. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  HTTP_MAX_CONNECTIONS = 10_000;

  /**
   * Largest request head (request line and headers together): a longer URL gets 414, a larger head 431. Node's
   * default: ExpressPlay tokens (a few hundred bytes to a few KB) and key store paths fit with room to spare.
   */
  @Transform(toInt)
  @IsInt()
  @Min(4096)
  @Max(1_048_576)
  HTTP_MAX_HEADER_BYTES = 16_384;
}

/** The HTTP server limits of the settings above, as the apps' HttpAppOptions take them. */
export function httpLimits(config: CommonConfig): HttpLimits {
  return {
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: config.HTTP_MAX_CONNECTIONS,
    maxHeaderBytes: config.HTTP_MAX_HEADER_BYTES,
  };
}

/** TRUST_PROXY as Fastify takes it. */
export function trustProxyOption(setting: string | undefined): boolean | string {
  if (setting === undefined) return false;
  return setting === 'true'
    ? true
    : setting
        .split(',')
        .map((hop) => hop.trim())
        .join(',');
}

/** A public development default that ENVIRONMENT=production refuses: [setting, its development value, what it is]. */
export type DevelopmentDefault<T> = readonly [keyof T & string, string, string];

/**
 * Reads the environment into `type`, validated; throws one clear line naming the first bad setting, never
 * its value. In production, the development token keys and every listed development default are refused.
 */
export function validateConfig<T extends CommonConfig>(
  type: new () => T,
  env: Record<string, unknown>,
  developmentDefaults: ReadonlyArray<DevelopmentDefault<T>> = [],
): T {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const config = plainToInstance(type, set, { exposeDefaultValues: true });
  const errors = validateSync(config);
  if (errors.length > 0) {
    const first = errors[0];
    throw new Error(
      `Invalid configuration: ${first.property}: ${Object.values(first.constraints ?? {})[0] ?? 'invalid'}`,
    );
  }
  assertTokenKeys(config.TOKEN_KEYS);
  config.WORKERS ??= defaultWorkers(config.ENVIRONMENT, env.NODE_ENV);
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    throw new Error('Invalid configuration: HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  if (config.ENVIRONMENT === 'production') {
    const refused: Array<DevelopmentDefault<T>> = [
      ['TOKEN_KEYS', DEV_TOKEN_KEYS, 'the development key ring'],
      ...developmentDefaults,
    ];
    for (const [name, value, what] of refused) {
      if (config[name] === value)
        throw new Error(`Invalid configuration: ${name}: ${what} cannot be used in production`);
    }
  }
  return config;
}
