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
