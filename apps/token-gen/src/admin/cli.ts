import {
  createPool,
  createPrismaClient,
  AccountRepository,
  AuditQuery,
  UsageQuery,
  type AccountView,
  type AuditRecord,
} from '@openplay/database';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { validateTokenGenConfig } from '../config/token-gen.config';
import { adminRecordView } from '../records/record-view';
import { AccountPathDto, CreateAccountDto, SetCreditsDto, SetLimitsDto, SetOptionsDto } from './account.dto';
import { AdminCommands, AdminError } from './admin-commands';
import { parseAdminInput } from './admin-input';
import { plainAccount as plain } from './admin-responses';
import { AddAuthenticatorDto, AuthenticatorPathDto } from './authenticator.dto';
import { LOGS_DEFAULT_LIMIT, LOGS_MAX_LIMIT, LogsQueryDto } from './logs-query.dto';
import { UsageQueryDto } from './usage-query.dto';
import type { UsageResponse } from '../usage/usage-response';

const HELP: Record<string, string> = {
  main: `openplay admin: manage accounts and their authenticators.

Usage: npm run -s admin -- <command> [arguments] [--json]

Commands:
  account create     create an account and its test and production authenticators
  account list       list accounts
  account show       show one account and its authenticators (never their secrets)
  account credits    set an account's credit balance
  account options    switch Widevine, FairPlay and Clear Key for an account
  account limits     set or clear an account's stream limit and its users' default device limit
  account disable    refuse every token request and redemption of an account (-2031)
  account enable     accept them again
  authenticator add      add an authenticator (for rotation); its secret is shown once
  authenticator revoke   revoke an authenticator
  logs               issuance and redemption records by cookie, token id or account
  usage              hourly usage (tokens, licenses, refusals, device levels) of an account or all

Run any command with --help for its arguments. --json prints machine-readable output.
Environment: DATABASE_URL (default: the embedded database that \`npm start\` created, if any),
AUTHENTICATOR_PEPPER (must be the servers' value), ENVIRONMENT.`,
  'account create': `Usage: account create --name NAME [--credits N] [--no-widevine] [--no-fairplay] [--no-clear-key] [--json]

Creates an account with a six-digit public number and one authenticator per environment,
"<number>,<32 hex>". The secrets are printed now and never again (only keyed hashes are stored).
  --name NAME      the customer's name (required)
  --credits N      licenses/CKCs it may receive; omit for unlimited
  --no-widevine    Widevine switched off (token requests get -7011)
  --no-fairplay    FairPlay not authorized (token requests get -6006)
  --no-clear-key   Clear Key switched off (token requests and redemptions get -8001)`,
  'account list': 'Usage: account list [--json]\n\nLists every account with its status, credits and DRM options.',
  'account show':
    'Usage: account show NUMBER [--json]\n\nShows the account and its authenticators (ids, environment, label, dates; no secrets).',
  'account credits':
    'Usage: account credits NUMBER (N|unlimited) [--json]\n\nSets the balance to N (0 or more), or removes the limit.',
  'account options': `Usage: account options NUMBER [--widevine on|off] [--fairplay-authorized on|off] [--fairplay on|off] [--clear-key on|off] [--name NAME] [--json]

  --widevine             Widevine enabled (off: -7011)
  --fairplay-authorized  FairPlay authorized for this account (off: -6006)
  --fairplay             FairPlay enabled (off: -6009)
  --clear-key            Clear Key enabled (off: -8001)`,
  'account limits': `Usage: account limits NUMBER [--max-streams N|none] [--stream-limit-mode deny|stopOldest] [--max-devices N|none] [--device-window S] [--json]

Account-wide limits, applied by the rights servers at once (no token needs reissuing); a limit not given stays.
  --max-streams N|none         live streams at once, Widevine and FairPlay together, across all the
                               account's tokens and users (1 to 100000; none clears it); a license or CKC
                               must also fit its token's own limit
  --stream-limit-mode MODE     with --max-streams N: deny (default; -9004 at the limit) or stopOldest
  --max-devices N|none         devices per user (cookie) for tokens without a device limit of their own
                               (1 to 100; none clears it; -9007 past it)
  --device-window S            with --max-devices N: seconds a device counts after its last license or CKC
                               (60 to 31536000, default 2592000: 30 days)`,
  'account disable':
    'Usage: account disable NUMBER [--json]\n\nEvery token request and redemption of the account is refused with -2031.',
  'account enable': 'Usage: account enable NUMBER [--json]\n\nThe account is active again.',
  'authenticator add': `Usage: authenticator add NUMBER --environment test|production [--label TEXT] [--json]

Adds an authenticator; several may be live at once, so a rotation is: add, roll out, revoke the old one.
The secret is printed now and never again.`,
  'authenticator revoke':
    'Usage: authenticator revoke NUMBER ID [--json]\n\nRevokes the authenticator ID (see account show); requests with it then get -2018.',
  logs: `Usage: logs [--cookie COOKIE] [--token-id TOKEN_ID] [--account NUMBER] [--limit N] [--json]

Audit records (token requests and redemptions, successes and failures) across accounts, newest first.
At least one of --cookie, --token-id, --account; all given must match.
  --cookie COOKIE      the cookie of the token request (at most 32 characters)
  --token-id TOKEN_ID  a token's id (32 hex digits): its issuance and every redemption of it
  --account NUMBER     only this account's records
  --limit N            at most N records (default ${LOGS_DEFAULT_LIMIT}, 1 to ${LOGS_MAX_LIMIT})`,
  usage: `Usage: usage [--account NUMBER] [--from TIME] [--to TIME] [--drm wv|fp|ck] [--json]

Hourly usage per DRM, as GET /admin/usage answers it: tokens issued, licenses delivered, refusals by code,
licenses by device security level. Only hours with activity, oldest first.
  --account NUMBER     this account (and its credits); omitted: every account summed
  --from TIME          RFC 3339, e.g. 2026-12-04T10:00:00Z (default: --to minus 24 hours)
  --to TIME            RFC 3339 (default: now); at most 92 days after --from
  --drm wv|fp|ck       only this DRM`,
};

type Out = { json: boolean; print(value: unknown, text: () => string): void };

export async function runAdmin(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      name: { type: 'string' },
      credits: { type: 'string' },
      'no-widevine': { type: 'boolean' },
      'no-fairplay': { type: 'boolean' },
      'no-clear-key': { type: 'boolean' },
      'clear-key': { type: 'string' },
      widevine: { type: 'string' },
      'fairplay-authorized': { type: 'string' },
      fairplay: { type: 'string' },
      'max-streams': { type: 'string' },
      'stream-limit-mode': { type: 'string' },
      'max-devices': { type: 'string' },
      'device-window': { type: 'string' },
      environment: { type: 'string' },
      label: { type: 'string' },
      cookie: { type: 'string' },
      'token-id': { type: 'string' },
      account: { type: 'string' },
      limit: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      drm: { type: 'string' },
    },
  });
  // Commands are two words (account create), but logs and usage are one.
  const words = positionals[0] === 'logs' || positionals[0] === 'usage' ? 1 : 2;
  const command = positionals.slice(0, words).join(' ');
  const args = positionals.slice(words);
  if (values.help || !HELP[command] || command === 'main') {
    process.stdout.write(`${HELP[HELP[command] && command !== 'main' ? command : 'main']}\n`);
    return values.help ? 0 : 2;
  }
  const out: Out = {
    json: values.json ?? false,
    print(value, text) {
      process.stdout.write(`${this.json ? JSON.stringify(value, jsonBigInt, 2) : text()}\n`);
    },
  };
  const config = validateTokenGenConfig({ ...env, DATABASE_URL: env.DATABASE_URL || embeddedDatabaseUrl() });
  const pool = createPool({ connectionString: config.DATABASE_URL, poolSize: 2 });
  const prisma = createPrismaClient(pool);
  const admin = new AdminCommands(
    new AccountRepository(prisma),
    Buffer.from(config.AUTHENTICATOR_PEPPER, 'hex'),
    new AuditQuery(prisma),
    new UsageQuery(prisma),
  );
  try {
    await dispatch(command, args, values, admin, out);
    return 0;
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}

/** The flags that fill each DTO field, for messages that name what the operator typed. */
const FLAGS = {
  name: '--name',
  credits: '--credits',
  widevineEnabled: '--widevine',
  fairplayAuthorized: '--fairplay-authorized',
  fairplayEnabled: '--fairplay',
  clearKeyEnabled: '--clear-key',
  maxStreams: '--max-streams',
  streamLimitMode: '--stream-limit-mode',
  maxDevices: '--max-devices',
  deviceWindow: '--device-window',
  environment: '--environment',
  label: '--label',
  cookie: '--cookie',
  tokenId: '--token-id',
  account: '--account',
  limit: '--limit',
};

async function dispatch(
  command: string,
  args: string[],
  values: Record<string, string | boolean | undefined>,
  admin: AdminCommands,
  out: Out,
) {
  // The same DTOs as the admin API: one reading of operator input, one set of refusals.
  const input = <T extends object>(
    type: new () => T,
    fields: Record<string, unknown>,
    hints?: Record<string, string>,
  ) => parseAdminInput(type, fields, { names: FLAGS, hints });
  const number = () => input(AccountPathDto, { number: args[0] }).number;
  switch (command) {
    case 'account create': {
      const created = await admin.createAccount(
        input(CreateAccountDto, {
          name: values.name,
          credits: values.credits,
          widevine: !values['no-widevine'],
          fairplay: !values['no-fairplay'],
          clearKey: !values['no-clear-key'],
        }),
      );
      return out.print(
        { account: created.account.number, authenticators: created.authenticators },
        () =>
          `${describe(created.account)}\n` +
          `test authenticator:       ${created.authenticators.test}\n` +
          `production authenticator: ${created.authenticators.production}\n` +
          'Keep these secrets now: they are not shown again.',
      );
    }
    case 'account list': {
      const accounts = await admin.list();
      return out.print(accounts.map(plain), () =>
        accounts.length ? accounts.map(describe).join('\n') : 'no accounts',
      );
    }
    case 'account show': {
      const { account, authenticators } = await admin.show(number());
      return out.print({ ...plain(account), authenticators }, () =>
        [
          describe(account),
          ...authenticators.map(
            (a) =>
              `  authenticator ${a.id} ${a.environment} ${a.label ?? ''} created ${a.createdAt.toISOString()}${a.revokedAt ? ` revoked ${a.revokedAt.toISOString()}` : ''}`,
          ),
        ].join('\n'),
      );
    }
    case 'account credits': {
      const n = number();
      const { credits } = parseAdminInput(SetCreditsDto, { credits: args[1] }, { names: { credits: 'the balance' } });
      const account = await admin.setCredits(n, credits);
      return out.print(plain(account), () => describe(account));
    }
    case 'account options': {
      const n = number();
      const { widevineEnabled, fairplayAuthorized, fairplayEnabled, clearKeyEnabled, name } = input(SetOptionsDto, {
        widevineEnabled: values.widevine,
        fairplayAuthorized: values['fairplay-authorized'],
        fairplayEnabled: values.fairplay,
        clearKeyEnabled: values['clear-key'],
        name: values.name,
      });
      const account = await admin.setOptions(n, {
        widevineEnabled,
        fairplayAuthorized,
        fairplayEnabled,
        clearKeyEnabled,
        name,
      });
      return out.print(plain(account), () => describe(account));
    }
    case 'account limits': {
      const n = number();
      const { maxStreams, streamLimitMode, maxDevices, deviceWindow } = input(SetLimitsDto, {
        maxStreams: values['max-streams'],
        streamLimitMode: values['stream-limit-mode'],
        maxDevices: values['max-devices'],
        deviceWindow: values['device-window'],
      });
      const account = await admin.setLimits(n, { maxStreams, streamLimitMode, maxDevices, deviceWindow });
      return out.print(plain(account), () => describe(account));
    }
    case 'account disable':
    case 'account enable': {
      const account = await admin.setStatus(number(), command === 'account disable' ? 'disabled' : 'active');
      return out.print(plain(account), () => describe(account));
    }
    case 'authenticator add': {
      const n = number();
      const { environment, label } = input(AddAuthenticatorDto, {
        environment: values.environment,
        label: values.label,
      });
      const added = await admin.addAuthenticator(n, environment, label);
      return out.print(
        added,
        () =>
          `authenticator ${added.id} (${added.environment}): ${added.authenticator}\nKeep this secret now: it is not shown again.`,
      );
    }
    case 'authenticator revoke': {
      const { number: n, id } = input(
        AuthenticatorPathDto,
        { number: args[0], id: args[1] },
        { id: 'see account show' },
      );
      await admin.revokeAuthenticator(n, id);
      return out.print({ revoked: id }, () => `authenticator ${id} revoked`);
    }
    case 'logs': {
      if (args.length > 0) throw new AdminError(`logs takes options only, not ${args.join(' ')}`, 'invalid');
      const query = input(LogsQueryDto, {
        cookie: values.cookie,
        tokenId: values['token-id'],
        account: values.account,
        limit: values.limit,
      });
      const records = await admin.logs(
        { cookie: query.cookie, tokenId: query.tokenId, accountNumber: query.account },
        query.limit,
      );
      return out.print(records.map(adminRecordView), () =>
        records.length ? records.map(describeRecord).join('\n') : 'no records',
      );
    }
    case 'usage': {
      if (args.length > 0) throw new AdminError(`usage takes options only, not ${args.join(' ')}`, 'invalid');
      const query = input(UsageQueryDto, {
        account: values.account,
        from: values.from,
        to: values.to,
        drm: values.drm,
      });
      const usage = await admin.usage(query);
      return out.print(usage, () => describeUsage(usage));
    }
  }
}

function describeUsage(u: UsageResponse): string {
  const head = `${u.account === null ? 'all accounts' : `account ${u.account}`}, ${u.from} to ${u.to}${
    u.account === null ? '' : `, credits ${u.credits ?? 'unlimited'}`
  }`;
  const counts = (map: Record<string, number>) =>
    Object.entries(map)
      .map(([key, n]) => `${key}:${n}`)
      .join(' ') || '-';
  const lines = u.hours.map(
    (h) =>
      `${h.hour} ${h.drm} tokens ${h.tokens} licenses ${h.licenses} refusals ${counts(h.refusals)} levels ${counts(h.devicesByLevel)}`,
  );
  return [head, ...(lines.length ? lines : ['no activity'])].join('\n');
}

function describeRecord(r: AuditRecord): string {
  const parts = [
    r.at.toISOString(),
    `#${r.id}`,
    `account ${r.accountNumber ?? '-'}`,
    `${r.kind}${r.requestType ? `/${r.requestType}` : ''}`,
    r.drm ?? '-',
    r.resultCode === 0 ? 'ok' : `${r.resultCode}`,
    `token ${r.tokenId ?? '-'}`,
    ...(r.kid ? [`kid ${r.kid}`] : []),
    ...(r.cookie !== null ? [`cookie ${JSON.stringify(r.cookie)}`] : []),
    ...(r.clientAddress ? [`from ${r.clientAddress}`] : []),
    ...(r.message ? [r.message] : []),
    ...(r.device ? [`device ${JSON.stringify(r.device)}`] : []),
  ];
  return parts.join('  ');
}

function describe(a: AccountView): string {
  return (
    `account ${a.number} "${a.name}" ${a.status}, credits ${a.credits ?? 'unlimited'}, ` +
    `widevine ${a.widevineEnabled ? 'on' : 'off'}, fairplay ${a.fairplayAuthorized ? (a.fairplayEnabled ? 'on' : 'off') : 'not authorized'}, ` +
    `clear key ${a.clearKeyEnabled ? 'on' : 'off'}` +
    (a.maxStreams === null ? '' : `, streams ${a.maxStreams} (${a.streamLimitMode ?? 'deny'})`) +
    (a.maxDevices === null ? '' : `, devices per user ${a.maxDevices} within ${a.deviceWindow}s`)
  );
}

function jsonBigInt(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** `npm start` without DATABASE_URL runs an embedded PostgreSQL and records its URL here. */
export const EMBEDDED_URL_FILE = path.resolve(__dirname, '../../../../.data/database-url');

function embeddedDatabaseUrl(): string | undefined {
  return existsSync(EMBEDDED_URL_FILE) ? readFileSync(EMBEDDED_URL_FILE, 'utf8').trim() : undefined;
}

if (require.main === module) {
  runAdmin(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message =
        error instanceof AdminError || (error as Error)?.message?.startsWith('Invalid configuration')
          ? (error as Error).message
          : `${(error as Error)?.message ?? error}`;
      process.stderr.write(`admin: ${message}\n`);
      process.exit(error instanceof AdminError && error.kind === 'not-found' ? 3 : 1);
    },
  );
}
