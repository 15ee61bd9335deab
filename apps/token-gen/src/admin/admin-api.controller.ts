import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { adminRecordView } from '../records/record-view';
import { AccountPathDto, CreateAccountDto, SetCreditsDto, SetLimitsDto, SetOptionsDto } from './account.dto';
import { AdminCommands } from './admin-commands';
import { AdminApiGuard } from './admin-api.guard';
import { AdminInputPipe } from './admin-input';
import {
  AccountJson,
  AccountWithAuthenticatorsJson,
  AddedAuthenticatorJson,
  AdminErrorJson,
  AdminRecordJson,
  CreatedAccountJson,
  plainAccount,
  RevokedJson,
} from './admin-responses';
import { AddAuthenticatorDto, AuthenticatorPathDto } from './authenticator.dto';
import { LogsQueryDto } from './logs-query.dto';
import { UsageQueryDto } from './usage-query.dto';
import { UsageResponseJson } from '../usage/usage-docs';

const INPUT = new AdminInputPipe();
const AUTHENTICATOR_INPUT = new AdminInputPipe({ hints: { id: 'see GET /admin/accounts/{number}' } });

const ONE_ACCOUNT = { status: 200, description: 'The account as it is now.', type: AccountJson } as const;
const NO_ACCOUNT = { status: 404, description: 'No such account.', type: AdminErrorJson } as const;
const BAD_INPUT = {
  status: 400,
  description: 'Bad input: code 400, the message names the field (unknown fields too).',
  type: AdminErrorJson,
} as const;
const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'] as const;

/**
 * The admin API: the admin CLI's powers over HTTP (AdminCommands), answering the JSON the CLI prints with --json.
 * Bodies are JSON objects or forms; every input is a DTO read by AdminInputPipe, as the CLI reads its arguments.
 * Every error is the JSON `{"code":<status>,"message":"[<status>] …"}`.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiResponse({
  status: 401,
  description: 'Missing or wrong bearer key (WWW-Authenticate: Bearer realm="openplay-admin").',
  type: AdminErrorJson,
})
@ApiResponse({
  status: 404,
  description: 'Also the answer to every admin call when ADMIN_API_KEY is not set.',
  type: AdminErrorJson,
})
@UseGuards(AdminApiGuard)
@Controller('admin')
export class AdminApiController {
  constructor(@Inject(AdminCommands) private readonly admin: AdminCommands) {}

  @Post('accounts')
  @ApiOperation({
    summary: 'Create an account; its test and production authenticators are returned now and never again',
  })
  @ApiConsumes(...BODY_TYPES)
  @ApiResponse({ status: 201, description: 'The account number and its authenticators.', type: CreatedAccountJson })
  @ApiResponse(BAD_INPUT)
  async create(@Body(INPUT) body: CreateAccountDto) {
    const created = await this.admin.createAccount(body);
    return { account: created.account.number, authenticators: created.authenticators };
  }

  @Get('accounts')
  @ApiOperation({ summary: 'List every account' })
  @ApiResponse({ status: 200, description: 'The accounts.', type: [AccountJson] })
  async list() {
    return (await this.admin.list()).map(plainAccount);
  }

  @Get('accounts/:number')
  @ApiOperation({ summary: 'Show an account and its authenticators (never their secrets)' })
  @ApiResponse({
    status: 200,
    description: 'The account with its authenticators.',
    type: AccountWithAuthenticatorsJson,
  })
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async show(@Param(INPUT) path: AccountPathDto) {
    const { account, authenticators } = await this.admin.show(path.number);
    return { ...plainAccount(account), authenticators };
  }

  @Put('accounts/:number/credits')
  @ApiOperation({ summary: "Set an account's credit balance, or remove the limit" })
  @ApiConsumes(...BODY_TYPES)
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async setCredits(@Param(INPUT) path: AccountPathDto, @Body(INPUT) body: SetCreditsDto) {
    return plainAccount(await this.admin.setCredits(path.number, body.credits));
  }

  @Patch('accounts/:number/options')
  @ApiOperation({
    summary: "Switch an account's Widevine, FairPlay and Clear Key options, or rename it (at least one field)",
  })
  @ApiConsumes(...BODY_TYPES)
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async setOptions(@Param(INPUT) path: AccountPathDto, @Body(INPUT) body: SetOptionsDto) {
    const { widevineEnabled, fairplayAuthorized, fairplayEnabled, clearKeyEnabled, name } = body;
    return plainAccount(
      await this.admin.setOptions(path.number, {
        widevineEnabled,
        fairplayAuthorized,
        fairplayEnabled,
        clearKeyEnabled,
        name,
      }),
    );
  }

  @Patch('accounts/:number/limits')
  @ApiOperation({
    summary:
      "Set or clear (null) an account's stream limit across all its tokens and users, and its users' default device limit",
  })
  @ApiConsumes(...BODY_TYPES)
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async setLimits(@Param(INPUT) path: AccountPathDto, @Body(INPUT) body: SetLimitsDto) {
    const { maxStreams, streamLimitMode, maxDevices, deviceWindow } = body;
    return plainAccount(
      await this.admin.setLimits(path.number, { maxStreams, streamLimitMode, maxDevices, deviceWindow }),
    );
  }

  @Post('accounts/:number/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an account: its token requests, record retrievals and redemptions get -2031' })
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async disable(@Param(INPUT) path: AccountPathDto) {
    return plainAccount(await this.admin.setStatus(path.number, 'disabled'));
  }

  @Post('accounts/:number/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable an account again' })
  @ApiResponse(ONE_ACCOUNT)
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async enable(@Param(INPUT) path: AccountPathDto) {
    return plainAccount(await this.admin.setStatus(path.number, 'active'));
  }

  @Post('accounts/:number/authenticators')
  @ApiOperation({ summary: 'Add an authenticator (rotation); its secret is returned now and never again' })
  @ApiConsumes(...BODY_TYPES)
  @ApiResponse({ status: 201, description: 'The new authenticator, with its secret.', type: AddedAuthenticatorJson })
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  async addAuthenticator(@Param(INPUT) path: AccountPathDto, @Body(INPUT) body: AddAuthenticatorDto) {
    return this.admin.addAuthenticator(path.number, body.environment, body.label);
  }

  @Delete('accounts/:number/authenticators/:id')
  @ApiOperation({ summary: 'Revoke an authenticator (requests with it then get -2018)' })
  @ApiResponse({ status: 200, description: 'Revoked.', type: RevokedJson })
  @ApiResponse(BAD_INPUT)
  @ApiResponse({
    status: 404,
    description: 'No such account, or it has no live authenticator with this id.',
    type: AdminErrorJson,
  })
  async revokeAuthenticator(@Param(AUTHENTICATOR_INPUT) path: AuthenticatorPathDto) {
    await this.admin.revokeAuthenticator(path.number, path.id);
    return { revoked: path.id };
  }

  @Get('logs')
  @ApiOperation({
    summary:
      'Audit records across accounts by cookie, token id and/or account (at least one; all given must match), newest first',
  })
  @ApiResponse({
    status: 200,
    description: 'The records, each with the account it belongs to.',
    type: [AdminRecordJson],
  })
  @ApiResponse(BAD_INPUT)
  async logs(@Query(INPUT) query: LogsQueryDto) {
    const records = await this.admin.logs(
      { cookie: query.cookie, tokenId: query.tokenId, accountNumber: query.account },
      query.limit,
    );
    return records.map(adminRecordView);
  }

  @Get('usage')
  @ApiOperation({
    summary:
      'Hourly usage (tokens, licenses, refusals by code, licenses by device level) of one account or all summed, per DRM',
  })
  @ApiResponse({ status: 200, description: 'The hours with activity, ascending.', type: UsageResponseJson })
  @ApiResponse(BAD_INPUT)
  @ApiResponse(NO_ACCOUNT)
  usage(@Query(INPUT) query: UsageQueryDto) {
    return this.admin.usage(query);
  }
}
