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

/** A loopback port nobody listens on. */
export function freePort(): Promise<number>;

/** Polls `condition` every 25 ms until it gives a truthy value; throws naming `what` after `ms` (default 20 s). */
export function until<T>(what: string, condition: () => T | undefined | false | null, ms?: number): Promise<T>;

export interface PlainAnswer {
  /** 0 when the request failed or timed out. */
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** One request on its own connection (no keep-alive), so that a cluster's primary hands each to the next worker. */
export function plainRequest(
  url: string,
  options?: { method?: string; body?: Buffer | string; timeoutMs?: number; headers?: Record<string, string> },
): Promise<PlainAnswer>;

export interface ClusterLogLine {
  readonly pid: number;
  readonly msg: string;
  readonly worker?: number;
  readonly workerPid?: number;
  readonly req?: { readonly url: string };
}

export interface ClusteredApp {
  readonly child: import('node:child_process').ChildProcess;
  readonly lines: ClusterLogLine[];
  /** The primary's "worker N started" lines, in order. */
  started(): Array<ClusterLogLine & { readonly worker: number; readonly workerPid: number }>;
  listening(worker: number, workerPid: number): boolean;
  /** The pids whose access log lines name a URL containing `fragment`. */
  answeredBy(fragment: string): Set<number>;
  /** SIGKILL, if it still runs. */
  kill(): void;
}

/** Starts a built app (`script`) in a child process and waits until `workers` workers listen. */
export function startClusteredApp(options: {
  script: string;
  cwd: string;
  env: Record<string, string>;
  workers: number;
  readyMs?: number;
}): Promise<ClusteredApp>;
