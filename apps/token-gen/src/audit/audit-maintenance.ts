import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditPartitions, Pool } from '@openplay/database';
import { TOKEN_GEN_CONFIG } from '../config/config.provider';
import type { TokenGenConfig } from '../config/token-gen.config';

/** How often the partitions are looked after: creation a week ahead leaves a week to notice a failure. */
export const AUDIT_MAINTENANCE_INTERVAL_MS = 3_600_000;

/**
 * Looks after audit_events' daily partitions (docs/decisions/0020-audit-partitions.md): at start and hourly, creates
 * today and the week ahead and, with AUDIT_RETENTION_DAYS, drops the days past it. Every token-gen instance (and
 * worker) runs it; the SQL functions' advisory lock lets one act at a time, the others then find nothing to do. A
 * failure is logged and retried at the next round: writes keep going to the days created ahead, or the default
 * partition.
 */
@Injectable()
export class AuditMaintenance implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditMaintenance');
  private readonly partitions: AuditPartitions;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(Pool) pool: Pool,
    @Inject(TOKEN_GEN_CONFIG) private readonly config: TokenGenConfig,
  ) {
    this.partitions = new AuditPartitions(pool);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
    this.timer = setInterval(() => void this.run(), AUDIT_MAINTENANCE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round; resolves (never rejects) when done. */
  run(): Promise<void> {
    this.running ??= this.round().finally(() => (this.running = null));
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      const created = await this.partitions.ensure();
      if (created > 0) this.logger.log(`created ${created} audit partition(s)`);
      const retention = this.config.AUDIT_RETENTION_DAYS;
      if (retention > 0) {
        const dropped = await this.partitions.dropExpired(retention);
        if (dropped > 0) this.logger.log(`dropped ${dropped} audit partition(s) older than ${retention} days`);
      }
    } catch (error) {
      this.logger.warn(`audit partition maintenance failed, retried in an hour: ${(error as Error).message}`);
    }
  }
}
