import { randomInt } from 'node:crypto';
import type { PrismaClient } from '../generated/client';
import type { Environment } from '../generated/enums';
import type { AccountCredentials, AccountLimits, AccountView, AuthenticatorView } from './account';

export interface NewAccount {
  readonly name: string;
  readonly credits: bigint | null;
  readonly widevineEnabled: boolean;
  readonly fairplayAuthorized: boolean;
  readonly fairplayEnabled: boolean;
  /** Absent: the column's default (on). */
  readonly clearKeyEnabled?: boolean;
  /** One hash per environment; the secrets themselves are shown once to the operator and never stored. */
  readonly authenticatorHashes: Readonly<Record<Environment, Buffer>>;
}

export type AccountOptions = Partial<
  Pick<
    AccountView,
    'widevineEnabled' | 'fairplayAuthorized' | 'fairplayEnabled' | 'clearKeyEnabled' | 'status' | 'name'
  >
>;

const accountSelect = {
  id: true,
  number: true,
  name: true,
  status: true,
  credits: true,
  widevineEnabled: true,
  fairplayAuthorized: true,
  fairplayEnabled: true,
  clearKeyEnabled: true,
  maxStreams: true,
  streamLimitMode: true,
  maxDevices: true,
  deviceWindow: true,
} as const;

/** Public account numbers: six digits like ExpressPlay's, random so that they reveal no customer count. */
const ACCOUNT_NUMBER_MIN = 100_000;
const ACCOUNT_NUMBER_MAX = 1_000_000;

export class AccountRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(input: NewAccount): Promise<AccountView> {
    for (let attempt = 0; ; attempt++) {
      const number = randomInt(ACCOUNT_NUMBER_MIN, ACCOUNT_NUMBER_MAX);
      try {
        return await this.prisma.account.create({
          data: {
            number,
            name: input.name,
            credits: input.credits,
            widevineEnabled: input.widevineEnabled,
            fairplayAuthorized: input.fairplayAuthorized,
            fairplayEnabled: input.fairplayEnabled,
            clearKeyEnabled: input.clearKeyEnabled,
            authenticators: {
              create: (Object.keys(input.authenticatorHashes) as Environment[]).map((environment) => ({
                environment,
                secretHash: new Uint8Array(input.authenticatorHashes[environment]),
                label: 'initial',
              })),
            },
          },
          select: accountSelect,
        });
      } catch (error) {
        if (attempt < 5 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  findByNumber(number: number): Promise<AccountView | null> {
    return this.prisma.account.findUnique({ where: { number }, select: accountSelect });
  }

  list(): Promise<AccountView[]> {
    return this.prisma.account.findMany({ select: accountSelect, orderBy: { id: 'asc' } });
  }

  async credentials(number: number): Promise<AccountCredentials | null> {
    const found = await this.prisma.account.findUnique({
      where: { number },
      select: {
        ...accountSelect,
        authenticators: { where: { revokedAt: null }, select: { environment: true, secretHash: true } },
      },
    });
    if (!found) return null;
    const { authenticators, ...account } = found;
    const hashes: Record<Environment, Buffer[]> = { test: [], production: [] };
    for (const { environment, secretHash } of authenticators) hashes[environment].push(Buffer.from(secretHash));
    return { account, hashes };
  }

  /** null clears the limit (unlimited). */
  update(
    number: number,
    changes: AccountOptions & Partial<AccountLimits> & { credits?: bigint | null },
  ): Promise<AccountView | null> {
    return this.prisma.account
      .update({ where: { number }, data: changes, select: accountSelect })
      .catch((error: unknown) => {
        if (isNotFound(error)) return null;
        throw error;
      });
  }

  async addAuthenticator(
    number: number,
    environment: Environment,
    secretHash: Buffer,
    label: string | null,
  ): Promise<AuthenticatorView | null> {
    const account = await this.prisma.account.findUnique({ where: { number }, select: { id: true } });
    if (!account) return null;
    return this.prisma.authenticator.create({
      data: { accountId: account.id, environment, secretHash: new Uint8Array(secretHash), label },
      select: authenticatorSelect,
    });
  }

  authenticators(number: number): Promise<AuthenticatorView[]> {
    return this.prisma.authenticator.findMany({
      where: { account: { number } },
      select: authenticatorSelect,
      orderBy: { id: 'asc' },
    });
  }

  /** Revokes one authenticator of the account; false when the account has no such authenticator. */
  async revokeAuthenticator(number: number, authenticatorId: number): Promise<boolean> {
    const { count } = await this.prisma.authenticator.updateMany({
      where: { id: authenticatorId, account: { number }, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count === 1;
  }
}

const authenticatorSelect = { id: true, environment: true, label: true, createdAt: true, revokedAt: true } as const;

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2002';
}

function isNotFound(error: unknown): boolean {
  return (error as { code?: string })?.code === 'P2025';
}
