import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import type { KeyJson, KeyObjectBody, RawParams } from '@openplay/core';
import { requestParams } from '@openplay/nest-kit';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeystore, KEY_ERRORS, KEY_SCHEMA, NOT_FOUND } from './keystore-docs';
import { KeystoreExceptionFilter } from './keystore-exception.filter';
import { KeystoreService } from './keystore.service';

/**
 * ExpressPlay's key storage API (SKM) under `/keystore`: `customerAuthenticator` and `kek` in the query or a form
 * body, the key object as a JSON body. Answers are JSON (the values: text/plain); so are all errors.
 */
@ApiTags('keystore')
@Controller('keystore')
@UseFilters(KeystoreExceptionFilter)
export class KeystoreController {
  constructor(@Inject(KeystoreService) private readonly keystore: KeystoreService) {}

  @Post('keys')
  @ApiKeystore({
    summary: 'Get or create a key',
    description: 'With a kid that is stored already: that key, unchanged (200). Else a new key (201, Location).',
    body: true,
    kek: 'wraps k or a random key; checks ek and kekId; k in the answer',
    responses: [
      { status: 201, description: 'created', schema: KEY_SCHEMA },
      { status: 200, description: 'the kid was stored already', schema: KEY_SCHEMA },
      KEY_ERRORS,
      { status: 415, description: 'a JSON key object sent as a form' },
    ],
  })
  async create(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<KeyJson> {
    const { created, key } = await this.keystore.create(paramsOf(request), bodyOf(request));
    void reply.status(created ? 201 : 200);
    if (created) void reply.header('location', `/keystore/keys/${key.kid}`);
    return key;
  }

  @Get('keys')
  @ApiKeystore({
    summary: "List the account's keys",
    description: 'In kid order; a full page has a Link header (rel="next").',
    paging: true,
    kek: 'k for the keys it opens',
    responses: [
      { status: 200, description: 'a page of keys', schema: { type: 'array', items: KEY_SCHEMA } },
      KEY_ERRORS,
    ],
  })
  async list(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<KeyJson[]> {
    const page = await this.keystore.list(paramsOf(request));
    // The next page's URL without the caller's parameters: its authenticator and kek are secrets, never echoed.
    if (page.next) void reply.header('link', `</keystore/keys?after=${page.next}&limit=${page.limit}>; rel="next"`);
    return page.keys;
  }

  @Get('keycount')
  @ApiKeystore({
    summary: "Count the account's keys",
    responses: [
      {
        status: 200,
        description: 'the count',
        schema: { type: 'object', properties: { keyCount: { type: 'integer' } } },
      },
    ],
  })
  count(@Req() request: FastifyRequest): Promise<{ keyCount: number }> {
    return this.keystore.count(paramsOf(request));
  }

  @Get('keys/:kids')
  @ApiKeystore({
    summary: 'Get one key, or several',
    description: 'One kid: the key object; several: an array in the order asked.',
    kid: 'list',
    kek: 'adds k (400 -4024 if it does not open every key)',
    responses: [{ status: 200, description: 'the key(s)', schema: KEY_SCHEMA }, KEY_ERRORS, NOT_FOUND],
  })
  get(@Param('kids') kids: string, @Req() request: FastifyRequest): Promise<KeyJson | KeyJson[]> {
    return this.keystore.get(paramsOf(request), kids);
  }

  @Get('keys/:kids/value')
  @ApiKeystore({
    summary: 'Get the value of one key, or several (comma-separated)',
    kid: 'list',
    kek: 'the key in hex; without it, # and the ek in hex',
    responses: [{ status: 200, description: 'hex values, comma-separated', type: 'text' }, KEY_ERRORS, NOT_FOUND],
  })
  @Header('content-type', 'text/plain; charset=utf-8')
  value(@Param('kids') kids: string, @Req() request: FastifyRequest): Promise<string> {
    return this.keystore.value(paramsOf(request), kids);
  }

  @Put('keys/:kid')
  @ApiKeystore({
    summary: 'Update a key partially',
    description: 'info, contentId, expiration (null clears), or a new key (k with the kek, or ek with kekId).',
    kid: 'one',
    body: true,
    kek: 'wraps a new k; without a new key it must open the stored key (then k in the answer)',
    responses: [{ status: 200, description: 'the updated key', schema: KEY_SCHEMA }, KEY_ERRORS, NOT_FOUND],
  })
  update(@Param('kid') kid: string, @Req() request: FastifyRequest): Promise<KeyJson> {
    return this.keystore.update(paramsOf(request), kid, bodyOf(request));
  }

  @Delete('keys/:kid')
  @ApiKeystore({
    summary: 'Delete a key',
    kid: 'one',
    responses: [{ status: 200, description: 'deleted (empty body)', type: 'text' }, KEY_ERRORS, NOT_FOUND],
  })
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
  const body = request.body;
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && typeof (body as { json?: unknown }).json === 'string')
    return body as { json: string };
  return undefined;
}
