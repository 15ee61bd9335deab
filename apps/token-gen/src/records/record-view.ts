import type { AuditRecord } from '@openplay/database';

/** A record as record retrieval and the admin's logs show it (JSON). */
export interface RecordView {
  /** The event id (a decimal string: ids are 64-bit), usable as `id=` of record retrieval. */
  readonly id: string;
  /** RFC 3339, UTC, milliseconds. */
  readonly time: string;
  readonly kind: 'issuance' | 'redemption';
  readonly drm: 'wv' | 'fp' | 'ck' | null;
  readonly environment: 'test' | 'production';
  readonly tokenId: string | null;
  readonly kid: string | null;
  readonly cookie: string | null;
  /** 0 on success, else the spec's code. */
  readonly resultCode: number;
  readonly message: string | null;
  readonly clientAddress: string | null;
  readonly userAgent: string | null;
  /** Redemptions only: new, renewal, release (Widevine), ckc (FairPlay), new or release (Clear Key); null when the request was not understood. */
  readonly requestType?: string | null;
  /** Redemptions only: what the challenge or SPC told of the device. */
  readonly device?: unknown;
}

export function recordView(record: AuditRecord): RecordView {
  const view: RecordView = {
    id: record.id.toString(),
    time: record.at.toISOString(),
    kind: record.kind,
    drm: record.drm,
    environment: record.environment,
    tokenId: record.tokenId,
    kid: record.kid,
    cookie: record.cookie,
    resultCode: record.resultCode,
    message: record.message,
    clientAddress: record.clientAddress,
    userAgent: record.userAgent,
  };
  return record.kind === 'redemption'
    ? { ...view, requestType: record.requestType, device: record.device ?? null }
    : view;
}

/** The admin's view adds the account the record belongs to (null: the request named no existing account). */
export function adminRecordView(record: AuditRecord): RecordView & { readonly account: number | null } {
  return { account: record.accountNumber, ...recordView(record) };
}
