import { Controller, Get, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Drm } from '@openplay/core';
import { requestParams } from '@openplay/nest-kit';
import type { FastifyRequest } from 'fastify';
import { ApiTokenRequest } from './token-docs';
import { TokenIssuer } from './token-issuer';

/**
 * `GET|POST /hms/{wv|fp|ck}/token`: both methods carry the same parameters; POST adds a form body. One plain route
 * per DRM rather than a `:drm(wv|fp|ck)` pattern, which @nestjs/swagger's scanner cannot read.
 */
@ApiTags('tokens')
@Controller('hms')
export class TokenController {
  constructor(@Inject(TokenIssuer) private readonly issuer: TokenIssuer) {}

  @Get('wv/token')
  @Header('content-type', 'text/uri-list')
  @ApiTokenRequest('wv', 'GET')
  getWidevine(@Req() request: FastifyRequest): Promise<string> {
    return this.issue('wv', request);
  }

  @Post('wv/token')
  @HttpCode(200)
  @Header('content-type', 'text/uri-list')
  @ApiTokenRequest('wv', 'POST')
  postWidevine(@Req() request: FastifyRequest): Promise<string> {
    return this.issue('wv', request);
  }

  @Get('fp/token')
  @Header('content-type', 'text/uri-list')
  @ApiTokenRequest('fp', 'GET')
  getFairPlay(@Req() request: FastifyRequest): Promise<string> {
    return this.issue('fp', request);
  }

  @Post('fp/token')
  @HttpCode(200)
  @Header('content-type', 'text/uri-list')
  @ApiTokenRequest('fp', 'POST')
  postFairPlay(@Req() request: FastifyRequest): Promise<string> {
    return this.issue('fp', request);
  }

  @Get('ck/token')
  @Header('content-type', 'text/uri-list')
  @ApiTokenRequest('ck', 'GET')
  getClearKey(@Req() request: FastifyRequest): Promise<string> {
    return this.issue('ck', request);
  }

  @Post('ck/token')
  @HttpCode(200)
  @Header('content-type', 'text/uri-list')
  @ApiTokenRequest('ck', 'POST')
  postClearKey(@Req() request: FastifyRequest): Promise<string> {
    return this.issue('ck', request);
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
