import { Controller, Get, Header, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Drm } from '@openplay/core';
import { requestParams } from '@openplay/nest-kit';
import type { FastifyRequest } from 'fastify';
import { TokenIssuer } from './token-issuer';

/**
 * `GET|POST /hms/{wv|fp}/token`: both methods carry the same parameters; POST adds a form body. Its OpenAPI
 * description is docs/api-docs.ts (tokenEndpointPaths): @nestjs/swagger's scanner cannot read this route's pattern.
 */
@ApiExcludeController()
@Controller('hms/:drm(wv|fp)/token')
export class TokenController {
  constructor(@Inject(TokenIssuer) private readonly issuer: TokenIssuer) {}

  @Get()
  @Header('content-type', 'text/uri-list')
  get(@Param('drm') drm: Drm, @Req() request: FastifyRequest): Promise<string> {
    return this.issue(drm, request);
  }

  @Post()
  @HttpCode(200)
  @Header('content-type', 'text/uri-list')
  post(@Param('drm') drm: Drm, @Req() request: FastifyRequest): Promise<string> {
    return this.issue(drm, request);
  }

  private issue(drm: Drm, request: FastifyRequest): Promise<string> {
    return this.issuer.issue(drm, requestParams(request.url, request.body), {
      clientAddress: request.ip ?? null,
      userAgent: truncate(request.headers['user-agent']),
    });
  }
}

/** User agents are stored for support, not parsed; 512 characters is plenty and bounds the row. */
function truncate(value: string | undefined): string | null {
  return value === undefined ? null : value.slice(0, 512);
}
