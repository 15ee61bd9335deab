export interface RawExchange {
  /** The first response's status, if one arrived. */
  readonly status: number | undefined;
  /** Its headers, names lower-cased. */
  readonly headers: Record<string, string>;
  readonly body: string;
  /** Everything received, as latin1. */
  readonly raw: string;
  /** false when timeoutMs passed with the connection still open. */
  readonly closed: boolean;
  /** From connecting to the close (or the timeout). */
  readonly elapsedMs: number;
  /** A socket error seen on the way (EPIPE, ECONNRESET), if any. */
  readonly error: string | undefined;
}

export interface RawExchangeOptions {
  /** Written every intervalMs after the request, until the server closes: a slow client. */
  readonly drip?: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

export function rawExchange(
  baseUrl: string,
  request: string | Buffer,
  options?: RawExchangeOptions,
): Promise<RawExchange>;
