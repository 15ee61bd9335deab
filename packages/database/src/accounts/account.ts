import type { AccountStatus, Environment } from '../generated/enums';

export interface AccountView {
  readonly id: number;
  readonly number: number;
  readonly name: string;
  readonly status: AccountStatus;
  /** null = unlimited. */
  readonly credits: bigint | null;
  readonly widevineEnabled: boolean;
  readonly fairplayAuthorized: boolean;
  readonly fairplayEnabled: boolean;
  readonly clearKeyEnabled: boolean;
}

export interface AuthenticatorView {
  readonly id: number;
  readonly environment: Environment;
  readonly label: string | null;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** What authentication needs of an account: the account and the hashes of its live authenticators. */
export interface AccountCredentials {
  readonly account: AccountView;
  readonly hashes: Readonly<Record<Environment, readonly Buffer[]>>;
}
