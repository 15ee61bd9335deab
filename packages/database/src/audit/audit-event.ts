import type { AuditKind, Drm, Environment } from '../generated/enums';

/** One audit row to write. Never a content key, kek, token or authenticator secret. */
export interface AuditEventInput {
  readonly at?: Date;
  readonly kind: AuditKind;
  readonly drm: Drm | null;
  readonly environment: Environment;
  readonly accountNumber: number | null;
  readonly tokenId: string | null;
  readonly kid: string | null;
  readonly cookie: string | null;
  /** 0 on success. */
  readonly resultCode: number;
  readonly message: string | null;
  readonly clientAddress: string | null;
  readonly userAgent: string | null;
  readonly requestType?: string | null;
  readonly device?: Readonly<Record<string, unknown>> | null;
}

/** Who made the request an audit row is about. */
export interface AuditCaller {
  readonly clientAddress: string | null;
  readonly userAgent: string | null;
}

export type MutableAuditEvent = { -readonly [K in keyof AuditEventInput]: AuditEventInput[K] };

/** A row to fill in while a request is served: nothing known yet but what was asked and by whom. */
export function newAuditRow(
  kind: AuditKind,
  drm: Drm | null,
  environment: Environment,
  caller: AuditCaller,
): MutableAuditEvent {
  return {
    kind,
    drm,
    environment,
    accountNumber: null,
    tokenId: null,
    kid: null,
    cookie: null,
    resultCode: 0,
    message: null,
    clientAddress: caller.clientAddress,
    userAgent: caller.userAgent,
    requestType: null,
    device: null,
  };
}
