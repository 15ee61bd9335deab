import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Pool } from 'pg';

/** Readiness answers within a second whatever the database does: probes time out, and a hung probe is a failed one. */
export const READY_BUDGET_MS = 800;

export interface Readiness {
  readonly status: 'ok' | 'error';
  readonly database: 'up' | 'down';
}

@Controller('health')
export class HealthController {
  constructor(@Inject(Pool) private readonly pool: Pool) {}

  /** Liveness: the process answers. Cheap on purpose; load balancers call it often. */
  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: Postgres answers too (200), else 503 with the same shape. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    if (await this.databaseAnswers()) return { status: 'ok', database: 'up' };
    void reply.status(503);
    return { status: 'error', database: 'down' };
  }

  private async databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    // The query's own timeout frees its connection; the race also bounds the wait for one.
    const probe = this.pool.query({ text: 'SELECT 1', query_timeout: READY_BUDGET_MS } as { text: string }).then(
      () => true,
      () => false,
    );
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), READY_BUDGET_MS);
    });
    try {
      return await Promise.race([probe, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
