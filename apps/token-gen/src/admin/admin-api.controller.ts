import { Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags, type SchemaObject } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ERROR_SCHEMA, RECORD_SCHEMA } from '../docs/api-docs';
import { adminRecordView } from '../records/record-view';
import { AdminCommands, AdminError } from './admin-commands';
import { AdminApiGuard } from './admin-api.guard';
import { adminBody } from './admin-body';
import { accountNumber, authenticatorId, credits, LOGS_DEFAULT_LIMIT, LOGS_MAX_LIMIT, logsLimit, plainAccount } from './admin-input';

const ACCOUNT_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'integer', description: 'internal id' },
    number: { type: 'integer', description: 'the public six-digit account number', example: 431907 },
    name: { type: 'string' },
    status: { type: 'string', enum: ['active', 'disabled'] },
    credits: { type: 'integer', nullable: true, description: 'null = unlimited' },
    widevineEnabled: { type: 'boolean' },
    fairplayAuthorized: { type: 'boolean' },
    fairplayEnabled: { type: 'boolean' },
  },
};
const AUTHENTICATOR_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    environment: { type: 'string', enum: ['test', 'production'] },
    label: { type: 'string', nullable: true },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time', nullable: true },
  },
};
const ONE_ACCOUNT = { status: 200, description: 'The account as it is now.', schema: ACCOUNT_SCHEMA };
const NO_ACCOUNT = { status: 404, description: 'No such account.', schema: ERROR_SCHEMA };
const BAD_INPUT = { status: 400, description: 'Bad input (code 400, the message says which).', schema: ERROR_SCHEMA };
const NUMBER_PARAM = { name: 'number', description: 'the account number', schema: { type: 'string', pattern: '^[0-9]{1,9}$' } } as const;
const BOOLEAN_FIELD: SchemaObject = { oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['on', 'off', 'true', 'false'] }] };
const CREDITS_FIELD: SchemaObject = {
  oneOf: [{ type: 'integer', minimum: 0, maximum: 999_999_999_999_999, nullable: true }, { type: 'string', enum: ['unlimited'] }],
  description: 'a whole number, or null / "unlimited" for no limit',
};

/**
 * The admin API: the admin CLI's powers over HTTP (AdminCommands), answering the JSON the CLI prints with --json.
 * Bodies are JSON objects or forms. Every error is the JSON `{"code":<status>,"message":"[<status>] …"}`.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'Missing or wrong bearer key.', schema: ERROR_SCHEMA })
@ApiResponse({ status: 404, description: 'Also the answer to every admin call when ADMIN_API_KEY is not set.', schema: ERROR_SCHEMA })
@UseGuards(AdminApiGuard)
@Controller('admin')
export class AdminApiController {
  constructor(@Inject(AdminCommands) private readonly admin: AdminCommands) {}

  @Post('accounts')
  @ApiOperation({ summary: 'Create an account; its test and production authenticators are returned now and never again' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', maxLength: 200 },
        credits: CREDITS_FIELD,
        widevine: { ...BOOLEAN_FIELD, description: 'Widevine enabled (default true)' },
        fairplay: { ...BOOLEAN_FIELD, description: 'FairPlay authorized and enabled (default true)' },
      },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'The account number and its authenticators (`<number>,<32 hex>`).',
    schema: {
      type: 'object',
      properties: {
        account: { type: 'integer', example: 431907 },
        authenticators: { type: 'object', properties: { test: { type: 'string' }, production: { type: 'string' } } },
      },
    },
  })
  @ApiResponse(BAD_INPUT)
  async create(@Req() request: FastifyRequest) {
    const body = adminBody(request);
    const created = await this.admin.createAccount({
      name: nameField(body.name, true)!,
      credits: body.credits === undefined ? null : creditsField(body.credits),
      widevine: booleanField(body.widevine, 'widevine') ?? true,
      fairplay: booleanField(body.fairplay, 'fairplay') ?? true,
    });
    return { account: created.account.number, authenticators: created.authenticators };
  }

  @Get('accounts')
  @ApiOperation({ summary: 'List every account' })
  @ApiResponse({ status: 200, description: 'The accounts.', schema: { type: 'array', items: ACCOUNT_SCHEMA } })
  async list() {
    return (await this.admin.list()).map(plainAccount);
  }

  @Get('accounts/:number')
  @ApiOperation({ summary: 'Show an account and its authenticators (never their secrets)' })
  @ApiParam(NUMBER_PARAM)
  @ApiResponse({
    status: 200,
    description: 'The account with its authenticators.',
    schema: { allOf: [ACCOUNT_SCHEMA, { type: 'object', properties: { authenticators: { type: 'array', items: AUTHENTICATOR_SCHEMA } } }] },
  })
  @ApiResponse(NO_ACCOUNT)
  async show(@Param('number') number: string) {
    const { account, authenticators } = await this.admin.show(accountNumber(number));
    return { ...plainAccount(account), authenticators };
  }

  @Put('accounts/:number/credits')
  @ApiOperation({ summary: "Set an account's credit balance, or remove the limit" })
  @ApiParam(NUMBER_PARAM)
  @ApiBody({ schema: { type: 'object', required: ['credits'], properties: { credits: CREDITS_FIELD } } })
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async setCredits(@Param('number') number: string, @Req() request: FastifyRequest) {
    const body = adminBody(request);
    const n = accountNumber(number);
    if (!('credits' in body)) throw new AdminError('give credits: a whole number, or null / "unlimited"', 'invalid');
    return plainAccount(await this.admin.setCredits(n, creditsField(body.credits)));
  }

  @Patch('accounts/:number/options')
  @ApiOperation({ summary: "Switch an account's Widevine and FairPlay options, or rename it" })
  @ApiParam(NUMBER_PARAM)
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        widevineEnabled: { ...BOOLEAN_FIELD, description: 'off: -7011' },
        fairplayAuthorized: { ...BOOLEAN_FIELD, description: 'off: -6006' },
        fairplayEnabled: { ...BOOLEAN_FIELD, description: 'off: -6009' },
        name: { type: 'string', maxLength: 200 },
      },
    },
  })
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async setOptions(@Param('number') number: string, @Req() request: FastifyRequest) {
    const body = adminBody(request);
    const n = accountNumber(number);
    const options = {
      widevineEnabled: booleanField(body.widevineEnabled, 'widevineEnabled'),
      fairplayAuthorized: booleanField(body.fairplayAuthorized, 'fairplayAuthorized'),
      fairplayEnabled: booleanField(body.fairplayEnabled, 'fairplayEnabled'),
      name: nameField(body.name, false),
    };
    if (Object.values(options).every((v) => v === undefined)) {
      throw new AdminError('give at least one of widevineEnabled, fairplayAuthorized, fairplayEnabled, name', 'invalid');
    }
    return plainAccount(await this.admin.setOptions(n, options));
  }

  @Post('accounts/:number/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an account: its token requests, record retrievals and redemptions get -2031' })
  @ApiParam(NUMBER_PARAM)
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(NO_ACCOUNT)
  async disable(@Param('number') number: string) {
    return plainAccount(await this.admin.setStatus(accountNumber(number), 'disabled'));
  }

  @Post('accounts/:number/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable an account again' })
  @ApiParam(NUMBER_PARAM)
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(NO_ACCOUNT)
  async enable(@Param('number') number: string) {
    return plainAccount(await this.admin.setStatus(accountNumber(number), 'active'));
  }

  @Post('accounts/:number/authenticators')
  @ApiOperation({ summary: 'Add an authenticator (rotation); its secret is returned now and never again' })
  @ApiParam(NUMBER_PARAM)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['environment'],
      properties: { environment: { type: 'string', enum: ['test', 'production'] }, label: { type: 'string', maxLength: 100 } },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'The new authenticator, with `authenticator`: `<number>,<32 hex>`.',
    schema: { allOf: [AUTHENTICATOR_SCHEMA, { type: 'object', properties: { authenticator: { type: 'string' } } }] },
  })
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async addAuthenticator(@Param('number') number: string, @Req() request: FastifyRequest) {
    const body = adminBody(request);
    const n = accountNumber(number);
    const environment = body.environment;
    if (environment !== 'test' && environment !== 'production') throw new AdminError('environment must be test or production', 'invalid');
    const label = body.label === undefined || body.label === null ? null : body.label;
    if (label !== null && (typeof label !== 'string' || label.length > 100)) throw new AdminError('label must be a string of at most 100 characters', 'invalid');
    return this.admin.addAuthenticator(n, environment, label);
  }

  @Delete('accounts/:number/authenticators/:id')
  @ApiOperation({ summary: 'Revoke an authenticator (requests with it then get -2018)' })
  @ApiParam(NUMBER_PARAM)
  @ApiParam({ name: 'id', description: 'the authenticator id (see GET /admin/accounts/{number}), 1 to 2147483647', schema: { type: 'string', pattern: '^[0-9]{1,10}$' } })
  @ApiResponse({ status: 200, description: 'Revoked.', schema: { type: 'object', properties: { revoked: { type: 'integer' } } } })
  @ApiResponse(BAD_INPUT)
  @ApiResponse({ status: 404, description: 'No such account, or it has no live authenticator with this id.', schema: ERROR_SCHEMA })
  async revokeAuthenticator(@Param('number') number: string, @Param('id') id: string) {
    const n = accountNumber(number);
    const revoked = authenticatorId(id, 'see GET /admin/accounts/{number}');
    await this.admin.revokeAuthenticator(n, revoked);
    return { revoked };
  }

  @Get('logs')
  @ApiOperation({ summary: 'Audit records across accounts by cookie, token id and/or account (all given must match), newest first' })
  @ApiQuery({ name: 'cookie', required: false, schema: { type: 'string', maxLength: 32 } })
  @ApiQuery({ name: 'tokenId', required: false, schema: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' } })
  @ApiQuery({ name: 'account', required: false, schema: { type: 'string', pattern: '^[0-9]{1,9}$' } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: LOGS_MAX_LIMIT, default: LOGS_DEFAULT_LIMIT } })
  @ApiResponse({
    status: 200,
    description: 'The records, each with the account it belongs to (null: the request named no existing account).',
    schema: { type: 'array', items: { allOf: [{ type: 'object', properties: { account: { type: 'integer', nullable: true } } }, RECORD_SCHEMA] } },
  })
  @ApiResponse(BAD_INPUT)
  async logs(@Query() query: Record<string, unknown>) {
    for (const name of ['cookie', 'tokenId', 'account', 'limit']) {
      if (Array.isArray(query[name])) throw new AdminError(`${name} is given more than once`, 'invalid');
    }
    const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    const account = text('account');
    const records = await this.admin.logs(
      { cookie: text('cookie'), tokenId: text('tokenId'), accountNumber: account === undefined ? undefined : accountNumber(account) },
      logsLimit(text('limit')),
    );
    return records.map(adminRecordView);
  }
}

function nameField(value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) throw new AdminError('name must be a non-empty string of at most 200 characters', 'invalid');
  return value.trim();
}

function creditsField(value: unknown): bigint | null {
  if (value === null || value === 'unlimited') return null;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return credits(String(value));
  if (typeof value === 'string') return credits(value);
  throw new AdminError('credits must be a whole number (0 to 999999999999999), or null / "unlimited"', 'invalid');
}

function booleanField(value: unknown, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'on' || value === 'true') return true;
  if (value === false || value === 'off' || value === 'false') return false;
  throw new AdminError(`${name} must be true or false (or on/off)`, 'invalid');
}
