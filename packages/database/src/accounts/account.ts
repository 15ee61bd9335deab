import type { AccountStatus, Environment, StreamLimitMode } from '../generated/enums';

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
  /** Account-wide limits (docs/decisions/0023-account-stream-limits.md); null: none. */
  readonly maxStreams: number | null;
  /** Set with `maxStreams` only. */
  readonly streamLimitMode: StreamLimitMode | null;
  /** The device limit of tokens with a cookie and no device limit of their own. */
  readonly maxDevices: number | null;
  /** Seconds; set with `maxDevices` only. */
  readonly deviceWindow: number | null;
}

/** An account's limits as the admin sets them: each pair is set or cleared (null) together. */
export type AccountLimits = Pick<AccountView, 'maxStreams' | 'streamLimitMode' | 'maxDevices' | 'deviceWindow'>;

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
