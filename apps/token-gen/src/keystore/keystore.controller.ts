import { Controller, Delete, Get, Header, HttpCode, Inject, Param, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import type { KeyJson, KeyObjectBody, RawParams } from '@openplay/core';
import { requestParams } from '@openplay/nest-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KeystoreExceptionFilter } from './keystore-exception.filter';
import { KeystoreService } from './keystore.service';

/**
 * ExpressPlay's key storage API (SKM) under `/keystore`: `customerAuthenticator` and `kek` in the query or a form
 * body, the key object as a JSON body. Answers are JSON (the values: text/plain); so are all errors.
 */
@Controller('keystore')
@UseFilters(KeystoreExceptionFilter)
export class KeystoreController {
  constructor(@Inject(KeystoreService) private readonly keystore: KeystoreService) {}

  @Post('keys')
  async create(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<KeyJson> {
    const { created, key } = await this.keystore.create(paramsOf(request), bodyOf(request));
    void reply.status(created ? 201 : 200);
    if (created) void reply.header('location', `/keystore/keys/${key.kid}`);
    return key;
  }

  @Get('keys')
  async list(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<KeyJson[]> {
    const page = await this.keystore.list(paramsOf(request));
    // The next page's URL without the caller's parameters: its authenticator and kek are secrets, never echoed.
    if (page.next) void reply.header('link', `</keystore/keys?after=${page.next}&limit=${page.limit}>; rel="next"`);
    return page.keys;
  }

  @Get('keycount')
  count(@Req() request: FastifyRequest): Promise<{ keyCount: number }> {
    return this.keystore.count(paramsOf(request));
  }

  @Get('keys/:kids')
  get(@Param('kids') kids: string, @Req() request: FastifyRequest): Promise<KeyJson | KeyJson[]> {
    return this.keystore.get(paramsOf(request), kids);
  }

  @Get('keys/:kids/value')
  @Header('content-type', 'text/plain; charset=utf-8')
  value(@Param('kids') kids: string, @Req() request: FastifyRequest): Promise<string> {
    return this.keystore.value(paramsOf(request), kids);
  }

  @Put('keys/:kid')
  update(@Param('kid') kid: string, @Req() request: FastifyRequest): Promise<KeyJson> {
    return this.keystore.update(paramsOf(request), kid, bodyOf(request));
  }

  @Delete('keys/:kid')
  @HttpCode(200)
  async delete(@Param('kid') kid: string, @Req() request: FastifyRequest): Promise<void> {
    await this.keystore.delete(paramsOf(request), kid);
  }
}

/** Query parameters, then a form body's (a JSON body carries the key object, not parameters). */
function paramsOf(request: FastifyRequest): RawParams {
  return requestParams(request.url, request.body);
}

/** `{ json }` for an application/json body, the text of a form, or nothing. */
function bodyOf(request: FastifyRequest): KeyObjectBody {
  const body = request.body as unknown;
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && typeof (body as { json?: unknown }).json === 'string') return body as { json: string };
  return undefined;
}
