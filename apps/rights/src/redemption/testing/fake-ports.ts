import type { Provider } from '@nestjs/common';
import { type Drm, parseKeyRing, sealToken, type TokenClaims } from '@openplay/core';
import {
  AccountChangeFeed,
  AccountRepository,
  type AccountView,
  type AuditEventInput,
  AuditWriter,
  type DeviceAdmission,
  RedemptionLedger,
  type RedemptionVerdict,
  type StreamAdmission,
  type TokenUseLimit,
} from '@openplay/database';
import { DEV_TOKEN_KEYS, Metrics } from '@openplay/nest-kit';
import { RIGHTS_CONFIG } from '../../config/config.module';
import { RightsConfig } from '../../config/rights.config';
import { Redemptions } from '../redemption';

export const ACCOUNT = 431907;

/** The database ports of a redemption, in memory: accounts by number, rows written, the ledger's verdicts. */
export class FakePorts {
  readonly accounts = new Map<number, AccountView>([[ACCOUNT, account()]]);
  /** Rows written through the audit writer (no credit). */
  readonly written: AuditEventInput[] = [];
  /** Rows handed to the ledger (a credit each), with the account charged. */
  readonly redeemed: Array<{ account: number; row: AuditEventInput }> = [];
  /** The limits each ledger call carried (none for nearly every redemption: the ledger's old statement). */
  readonly admissions: Array<{ stream?: StreamAdmission; device?: DeviceAdmission }> = [];
  /** Stream heartbeats and releases asked of the ledger: [scope, session id hex]. */
  readonly renewed: Array<[string, string]> = [];
  readonly released: Array<[string, string]> = [];
  /** What a stream heartbeat answers (false: the stream was stopped, -9005). */
  streamLive = true;
  verdict: RedemptionVerdict | Error = 'granted';
  writeFailure: Error | null = null;

  providers(): Provider[] {
    const config = Object.assign(new RightsConfig(), { ENVIRONMENT: 'test' as const, ACCOUNT_CACHE_TTL_MS: 0 });
    return [
      Redemptions,
      Metrics,
      { provide: RIGHTS_CONFIG, useValue: config },
      { provide: AccountChangeFeed, useValue: { subscribe: () => () => undefined } },
      { provide: AccountRepository, useValue: { findByNumber: async (n: number) => this.accounts.get(n) ?? null } },
      {
        provide: AuditWriter,
        useValue: {
          write: async (row: AuditEventInput) => {
            if (this.writeFailure) throw this.writeFailure;
            this.written.push({ ...row });
          },
        },
      },
      {
        provide: RedemptionLedger,
        useValue: {
          redeem: async (
            account: number,
            row: AuditEventInput,
            _use?: TokenUseLimit,
            stream?: StreamAdmission,
            device?: DeviceAdmission,
          ) => {
            if (this.verdict instanceof Error) throw this.verdict;
            this.redeemed.push({ account, row: { ...row } });
            this.admissions.push({ ...(stream && { stream }), ...(device && { device }) });
            return this.verdict;
          },
          renewStream: async (scope: string, sessionId: Buffer) => {
            this.renewed.push([scope, sessionId.toString('hex')]);
            return this.streamLive;
          },
          releaseStream: async (scope: string, sessionId: Buffer) => {
            this.released.push([scope, sessionId.toString('hex')]);
          },
        },
      },
    ];
  }
}

export function account(changes: Partial<AccountView> = {}): AccountView {
  return {
    id: 1,
    number: ACCOUNT,
    name: 'unit',
    status: 'active',
    credits: null,
    widevineEnabled: true,
    fairplayAuthorized: true,
    fairplayEnabled: true,
    clearKeyEnabled: true,
    maxStreams: null,
    streamLimitMode: null,
    maxDevices: null,
    deviceWindow: null,
    ...changes,
  };
}

/** A token sealed under the development key ring (the config's default), as token-gen would issue it. */
export function tokenFor(drm: Drm, changes: Partial<TokenClaims> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const common = {
    tokenId: Buffer.alloc(16, 0x11),
    account: ACCOUNT,
    environment: 'test' as const,
    issuedAt: now,
    expiresAt: now + 3600,
    cookie: 'unit-cookie',
    kid: Buffer.alloc(16, 0x22),
    contentKey: Buffer.alloc(16, 0x33),
  };
  const claims: TokenClaims =
    drm === 'ck'
      ? { ...common, drm, iv: null, policy: { drm, extensions: [] } }
      : drm === 'wv'
        ? {
            ...common,
            drm,
            iv: null,
            policy: {
              drm,
              securityLevel: 1,
              hdcpOutputControl: 0,
              licenseDuration: null,
              contentId: null,
              extensions: [],
            },
          }
        : {
            ...common,
            drm,
            iv: Buffer.alloc(16, 0x44),
            policy: { drm, rentalDuration: 0, rightsType: null, extensions: [] },
          };
  return sealToken({ ...claims, ...changes } as TokenClaims, parseKeyRing(DEV_TOKEN_KEYS));
}

export const CALLER = { clientAddress: '127.0.0.1', userAgent: 'unit-player' };
