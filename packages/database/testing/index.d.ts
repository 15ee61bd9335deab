export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}
export function cloneTestDatabase(): Promise<TestDatabase>;
export function withDatabase(url: string, database: string): string;

export type TcpProxyMode = 'pass' | 'freeze' | 'refuse';

/** A loopback TCP proxy between an app and its PostgreSQL (see tcp-proxy.js): pass, freeze, refuse, resume. */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  readonly mode: TcpProxyMode;
  /** Open client sockets. */
  readonly connections: number;
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string;
  /** Sockets stay open and no byte goes either way; new connections are accepted and held. */
  freeze(): Promise<void>;
  /** Every socket is destroyed and the port stops listening (ECONNREFUSED). */
  refuse(): Promise<void>;
  /** Back to pass: held bytes are delivered and the port listens again. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** `target`: a postgresql:// URL or host:port. Listens on 127.0.0.1 (`host`), on a free port unless `port` is given. */
export function startTcpProxy(options: { target: string; host?: string; port?: number }): Promise<TcpProxy>;
