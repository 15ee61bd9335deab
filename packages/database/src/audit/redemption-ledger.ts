import type { Pool } from 'pg';
import type { AuditEventInput } from './audit-event';
import { auditRowsJson } from './audit-writer';
import { GroupCommit, type GroupCommitOptions } from './group-commit';

/**
 * 'retry': a use-limited token's request delivered again within the retry window (no use, no credit).
 * 'stream-stopped': a FairPlay lease renewal of a stream that is not live (stopped by a newer one, or its lease ran out).
 */
export type RedemptionVerdict =
  'granted' | 'retry' | 'no-credit' | 'used-up' | 'too-many-streams' | 'too-many-devices' | 'stream-stopped';

/** What a use-limited token's delivery needs for its count (docs/decisions/0015-use-limited-tokens.md). */
export interface TokenUseLimit {
  readonly limit: number;
  /** SHA-256 of the request: the same request within the retry window is the same use. */
  readonly requestHash: Buffer;
  /** Unix seconds: after it the token's count may be deleted. */
  readonly tokenExpiresAt: number;
}

/**
 * What a stream-limited license or CKC needs for its admission (docs/decisions/0018-concurrent-streams.md): the
 * token's own limit, the account's (docs/decisions/0023-account-stream-limits.md), or both; it must fit each.
 */
export interface StreamAdmission {
  /** Whose streams the token's limit counts: see {@link streamScope}. */
  readonly scope: string;
  /**
   * Widevine: the license's session id, echoed by its renewals and its release. FairPlay: the stream's identity (a
   * hash of the device and the content), the same for every CKC of the stream.
   */
  readonly sessionId: Buffer;
  /** The token's limit (null: none of its own). */
  readonly maxStreams: number | null;
  /** At the token's limit, stop the oldest live stream of the scope instead of refusing this one. */
  readonly stopOldest: boolean;
  /** The account's limit on its live streams, all tokens and users (absent or null: none). */
  readonly accountMaxStreams?: number | null;
  /** At the account's limit, stop the account's oldest live stream instead of refusing this one. */
  readonly accountStopOldest?: boolean;
  /** Seconds without a renewal after which a Widevine stream is dead (renewal delay plus grace). */
  readonly liveSeconds: number;
  /**
   * FairPlay: seconds the stream lives from this CKC (its lease plus grace). A CKC of a live stream extends it and
   * takes no slot. Absent: a Widevine stream, live while it renews.
   */
  readonly leaseSeconds?: number;
  /** FairPlay: the SPC says playback is under way (a lease renewal): refused ('stream-stopped') unless it is live. */
  readonly renewal?: boolean;
}

/** What a device-limited license or CKC needs for its admission (docs/decisions/0018-concurrent-streams.md). */
export interface DeviceAdmission {
  /** Whose devices are counted: the same scope as streams ({@link streamScope}). */
  readonly scope: string;
  /** A stable id of the device (Widevine: a hash of its certificate's system id and serial number; FairPlay: of HU). */
  readonly deviceId: Buffer;
  readonly maxDevices: number;
  /** Seconds a device counts after its last license. */
  readonly windowSeconds: number;
}

/** The streams of a token, or of an account's user when the token names one by cookie. */
export function streamScope(tokenIdHex: string, account: number, cookie: string | null): string {
  return cookie === null ? `t:${tokenIdHex}` : `u:${account}:${cookie}`;
}

interface Redemption {
  readonly accountNumber: number;
  readonly event: AuditEventInput;
  readonly use?: TokenUseLimit;
  readonly stream?: StreamAdmission;
  readonly device?: DeviceAdmission;
}

/** The same words the rights server answers with, so the row and the response agree. */
const NO_CREDIT_MESSAGE = '[-2019] Insufficient tokens available: the account has no credits left';
const USED_UP_MESSAGE = '[-9002] Token use limit reached: the token has no use left';
const RETRY_MESSAGE = 'a retry of a request that used the token: not another use';
const TOO_MANY_STREAMS_MESSAGE = '[-9004] Too many simultaneous streams: the stream limit is reached';
const TOO_MANY_DEVICES_MESSAGE = '[-9007] Too many devices: the device limit is reached';
/** The rights server's FairPlay words for -9005 (a refused lease renewal). */
export const FAIRPLAY_STREAM_STOPPED = 'the stream was stopped by a newer one or its lease ran out';
const STREAM_STOPPED_MESSAGE = `[-9005] Stream stopped: ${FAIRPLAY_STREAM_STOPPED}`;

/** How long a request that used a token may be retried without being another use. */
export const USE_RETRY_WINDOW_SECONDS = 120;
/** Kept past a token's expiry for clocks that disagree with the database's. */
const EXPIRED_ROW_GRACE_SECONDS = 600;

/**
 * See the migrations `cheaper_redemption_batches` (lock the batch's accounts, grant in arrival order, spend, write
 * every row) and `ledger_batches_counted` (the same with the usage roll-up in it, the rows' JSON read once, and the
 * accounts to lock passed as an array).
 */
const REDEEM_BATCH = 'SELECT openplay_redeem_batch_counted($1::json, $2::int[], $3::text) AS granted';
/**
 * See the migrations `use_limited_tokens` (the same, plus the limited tokens' counts, in one statement) and
 * `ledger_batches_counted` (the credits and uses spent once per account and token, the rows and the usage roll-up
 * written after the loop in one statement).
 */
const REDEEM_BATCH_LIMITED =
  'SELECT openplay_redeem_batch_limited_counted($1::json, $2::int[], $3::text, $4::text, $5::text, ' +
  `make_interval(secs => ${USE_RETRY_WINDOW_SECONDS}), make_interval(secs => ${EXPIRED_ROW_GRACE_SECONDS})) AS verdicts`;

/**
 * See the migrations `concurrent_streams` (the same as the limited batch, plus stream and device admissions) and
 * `fairplay_streams` (FairPlay streams, which live by their lease, and the -9005 message) and
 * `account_stream_limits` (plus the account-wide stream limit).
 */
const REDEEM_BATCH_USAGE =
  'SELECT openplay_usage_add_verdicts($1::json, openplay_redeem_batch_usage($1::json, $2::text, $3::text, $4::text, ' +
  `make_interval(secs => ${USE_RETRY_WINDOW_SECONDS}), make_interval(secs => ${EXPIRED_ROW_GRACE_SECONDS}), ` +
  '$5::text, make_interval(secs => $6::int), $7::text, $8::text)) AS verdicts';
const RENEW_STREAM = 'SELECT openplay_stream_renew($1::text, $2::bytea, make_interval(secs => $3::int)) AS live';
const RELEASE_STREAM = 'DELETE FROM token_streams WHERE scope = $1 AND session_id = $2';

/**
 * Each delivered license or CKC consumes one credit, in the same transaction as its audit row; a
 * redemption that finds no credit left gets a -2019 row instead. Redemptions are group-committed, and a
 * batch is one statement (one round trip): a database function locks the batch's accounts in a fixed order
 * (so that instances cannot deadlock), grants credits in arrival order and writes every row. A batch with a
 * use-limited token goes to another function that also counts the token's uses (-9002 past its limit); a batch
 * without one is exactly what it was before use limits existed.
 */
export class RedemptionLedger {
  private readonly commits: GroupCommit<Redemption, RedemptionVerdict>;
  private batchListener: ((size: number) => void) | null = null;

  constructor(
    private readonly pool: Pool,
    options?: GroupCommitOptions,
  ) {
    // One batch in flight: a batch holds its accounts' row locks until it commits, so a second one of the same account
    // would only wait for it; meanwhile the next batch gathers what arrives, and fewer, larger statements and commits
    // cost the database less per redemption (docs/performance.md, "One ledger batch in flight").
    this.commits = new GroupCommit((batch) => this.commit(batch), { maxInFlight: 1, ...options });
  }

  /**
   * Resolves once the row is durable: 'granted' or 'retry' (deliver), 'no-credit' (refuse with -2019) or 'used-up'
   * (refuse with -9002; only with `use`).
   */
  redeem(
    accountNumber: number,
    event: AuditEventInput,
    use?: TokenUseLimit,
    stream?: StreamAdmission,
    device?: DeviceAdmission,
  ): Promise<RedemptionVerdict> {
    return this.commits.submit({ accountNumber, event, use, stream, device });
  }

  /**
   * The heartbeat of a stream-limited license's renewal: true when its stream is live (now seen again), false when
   * it was stopped by a newer stream or went without renewal for longer than `liveSeconds` (refuse with -9005).
   */
  async renewStream(scope: string, sessionId: Buffer, liveSeconds: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ live: boolean }>(RENEW_STREAM, [scope, sessionId, liveSeconds]);
    return rows[0]?.live === true;
  }

  /** A released license frees its stream's slot at once. */
  async releaseStream(scope: string, sessionId: Buffer): Promise<void> {
    await this.pool.query(RELEASE_STREAM, [scope, sessionId]);
  }

  idle(): Promise<void> {
    return this.commits.idle();
  }

  /**
   * `listener` is told each batch's size as it is sent: how many redemptions share a statement and a commit, which is
   * what the database's CPU per redemption depends on most (docs/performance.md, "Per-batch and per-row costs of the
   * ledger"). One listener; a later call replaces it.
   */
  onBatch(listener: (size: number) => void): void {
    this.batchListener = listener;
  }

  private async commit(batch: Redemption[]): Promise<RedemptionVerdict[]> {
    this.batchListener?.(batch.length);
    if (batch.some((redemption) => redemption.stream || redemption.device)) return this.commitUsage(batch);
    if (batch.some((redemption) => redemption.use)) return this.commitLimited(batch);
    // The account the credit is charged to is the token's, whatever the row says.
    const events = batch.map(({ accountNumber, event }) => ({ ...event, accountNumber }));
    const { rows } = await this.pool.query<{ granted: boolean[] }>(REDEEM_BATCH, [
      auditRowsJson(events),
      accountsOf(batch),
      NO_CREDIT_MESSAGE,
    ]);
    const granted = rows[0]?.granted ?? [];
    return batch.map((_, i) => (granted[i] ? 'granted' : 'no-credit'));
  }

  private async commitLimited(batch: Redemption[]): Promise<RedemptionVerdict[]> {
    const rows = batch.map(limitedRow);
    const { rows: result } = await this.pool.query<{ verdicts: RedemptionVerdict[] }>(REDEEM_BATCH_LIMITED, [
      auditRowsJson(rows),
      accountsOf(batch),
      NO_CREDIT_MESSAGE,
      USED_UP_MESSAGE,
      RETRY_MESSAGE,
    ]);
    const verdicts = result[0]?.verdicts ?? [];
    return batch.map((_, i) => verdicts[i] ?? 'no-credit');
  }

  private async commitUsage(batch: Redemption[]): Promise<RedemptionVerdict[]> {
    const rows = batch.map((redemption) => ({
      ...limitedRow(redemption),
      maxStreams: redemption.stream?.maxStreams ?? null,
      stopOldest: redemption.stream?.stopOldest ?? false,
      accountMaxStreams: redemption.stream?.accountMaxStreams ?? null,
      accountStopOldest: redemption.stream?.accountStopOldest ?? false,
      streamScope: redemption.stream?.scope ?? redemption.device?.scope ?? null,
      sessionId: redemption.stream?.sessionId.toString('hex') ?? null,
      maxDevices: redemption.device?.maxDevices ?? null,
      deviceWindow: redemption.device?.windowSeconds ?? null,
      deviceId: redemption.device?.deviceId.toString('hex') ?? null,
      streamLease: redemption.stream?.leaseSeconds ?? null,
      streamRenewal: redemption.stream?.renewal ?? false,
    }));
    // One server's batches share its setting; the longest window of the batch is the kindest to its streams.
    const liveSeconds = Math.max(...batch.map(({ stream }) => stream?.liveSeconds ?? 0));
    const { rows: result } = await this.pool.query<{ verdicts: RedemptionVerdict[] }>(REDEEM_BATCH_USAGE, [
      auditRowsJson(rows),
      NO_CREDIT_MESSAGE,
      USED_UP_MESSAGE,
      RETRY_MESSAGE,
      TOO_MANY_STREAMS_MESSAGE,
      liveSeconds,
      TOO_MANY_DEVICES_MESSAGE,
      STREAM_STOPPED_MESSAGE,
    ]);
    const verdicts = result[0]?.verdicts ?? [];
    return batch.map((_, i) => verdicts[i] ?? 'no-credit');
  }
}

/**
 * The batch's accounts, which its function locks before deciding (a row of an account not listed makes it raise): an
 * array parameter instead of a pass over the rows' JSON in the database.
 */
function accountsOf(batch: Redemption[]): number[] {
  return [...new Set(batch.map((redemption) => redemption.accountNumber))];
}

/** A redemption's audit row with its use-limit fields (null without a limit), as both limited batch functions read them. */
function limitedRow({ accountNumber, event, use }: Redemption) {
  return {
    ...event,
    accountNumber,
    useLimit: use?.limit ?? null,
    requestHash: use?.requestHash.toString('hex') ?? null,
    tokenExpiresAt: use ? new Date(use.tokenExpiresAt * 1000) : null,
  };
}
