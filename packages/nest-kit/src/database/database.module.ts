import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  AccountChangeFeed,
  AccountRepository,
  AuditWriter,
  createPool,
  createPrismaClient,
  DATABASE_TIMEOUT_DEFAULTS,
  databaseUnavailableReason,
  type DatabaseOptions,
  PrismaClient,
  RedemptionLedger,
} from '@openplay/database';
import { Pool } from 'pg';
import type { CommonConfig } from '../config/common-config';

export const DATABASE_OPTIONS = Symbol('DATABASE_OPTIONS');

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(Pool) private readonly pool: Pool,
    @Inject(PrismaClient) private readonly prisma: PrismaClient,
    @Inject(AuditWriter) private readonly audit: AuditWriter,
    @Inject(RedemptionLedger) private readonly ledger: RedemptionLedger,
    @Inject(AccountChangeFeed) private readonly accountChanges: AccountChangeFeed,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.prisma.$connect();
    try {
      await this.pool.query('SELECT 1');
    } catch (error) {
      // A database that is down or not answering may come back: start, and let /health/ready say 503 meanwhile.
      // Anything else (a wrong password, no such database) is a configuration error: stop now, saying so.
      const reason = databaseUnavailableReason(error);
      if (reason === null)
        throw new Error(`the database refused the app at start-up: ${(error as Error).message}`, { cause: error });
      new Logger('Database').warn(`database unavailable at start-up (${reason}): answering 503 until it answers`);
    }
    // In the background: until it listens (and whenever it cannot), the account caches' TTL bounds staleness.
    void this.accountChanges.start();
  }

  /**
   * Rows already accepted are written before the pool closes: nothing accepted is lost on shutdown. A shutdown hook,
   * not onModuleDestroy: Nest runs this after closing the HTTP server, whose close waits for the requests in flight,
   * so none of them finds the pool ended (onModuleDestroy runs before the server closes).
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.audit.idle(), this.ledger.idle(), this.accountChanges.stop()]);
    await this.prisma.$disconnect();
    await this.pool.end();
  }
}

/** The pool's settings from the environment both apps share. */
export function databaseOptions(config: CommonConfig): DatabaseOptions {
  return {
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  };
}

/** A write waits for a batch to take it no longer than a query waits for a connection. */
const batchWait = (o: DatabaseOptions) => ({
  maxWaitMs: o.acquireTimeoutMs ?? DATABASE_TIMEOUT_DEFAULTS.acquireTimeoutMs,
});

export interface DatabaseModuleOptions {
  readonly imports?: DynamicModule['imports'];
  readonly inject?: unknown[];
  // Nest calls it with the `inject` providers, whose types it cannot know.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly useFactory: (...args: any[]) => DatabaseOptions;
}

/** One pool per app, shared by Prisma and the group-commit writers. */
@Global()
@Module({})
export class DatabaseModule {
  static forRootAsync(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: options.imports ?? [],
      providers: [
        { provide: DATABASE_OPTIONS, inject: (options.inject ?? []) as never[], useFactory: options.useFactory },
        { provide: Pool, inject: [DATABASE_OPTIONS], useFactory: (o: DatabaseOptions) => createPool(o) },
        { provide: PrismaClient, inject: [Pool], useFactory: (pool: Pool) => createPrismaClient(pool) },
        {
          provide: AuditWriter,
          inject: [Pool, DATABASE_OPTIONS],
          useFactory: (pool: Pool, o: DatabaseOptions) => new AuditWriter(pool, batchWait(o)),
        },
        {
          provide: RedemptionLedger,
          inject: [Pool, DATABASE_OPTIONS],
          useFactory: (pool: Pool, o: DatabaseOptions) => new RedemptionLedger(pool, batchWait(o)),
        },
        {
          provide: AccountChangeFeed,
          inject: [DATABASE_OPTIONS],
          useFactory: (o: DatabaseOptions) => new AccountChangeFeed(o),
        },
        {
          provide: AccountRepository,
          inject: [PrismaClient],
          useFactory: (prisma: PrismaClient) => new AccountRepository(prisma),
        },
        DatabaseLifecycle,
      ],
      exports: [Pool, PrismaClient, AuditWriter, RedemptionLedger, AccountRepository, AccountChangeFeed],
    };
  }
}
