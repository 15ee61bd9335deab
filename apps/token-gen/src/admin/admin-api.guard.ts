import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ApiHttpError } from '@openplay/nest-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { TOKEN_GEN_CONFIG } from '../config/config.provider';
import type { TokenGenConfig } from '../config/token-gen.config';

/**
 * The admin API's door: `Authorization: Bearer <ADMIN_API_KEY>`. Without ADMIN_API_KEY the API does not exist
 * (404, the body of any unknown path); a missing or wrong key is a 401 JSON error. Keys are compared as SHA-256
 * digests in constant time, so neither their content nor their length leaks through timing.
 */
@Injectable()
export class AdminApiGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(TOKEN_GEN_CONFIG) config: TokenGenConfig) {
    this.expected = config.ADMIN_API_KEY === undefined ? null : digest(config.ADMIN_API_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.expected === null) throw new ApiHttpError(404, 'Not Found');
    const http = context.switchToHttp();
    const header = http.getRequest<FastifyRequest>().headers.authorization;
    const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
    if (!match) {
      void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer realm="openplay-admin"');
      throw new ApiHttpError(401, 'missing bearer key: send Authorization: Bearer <ADMIN_API_KEY>');
    }
    if (!timingSafeEqual(digest(match[1]), this.expected)) {
      void http
        .getResponse<FastifyReply>()
        .header('www-authenticate', 'Bearer realm="openplay-admin", error="invalid_token"');
      throw new ApiHttpError(401, 'invalid bearer key');
    }
    return true;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
