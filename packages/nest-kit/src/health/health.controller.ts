import { Controller, Get, HttpException, Inject } from '@nestjs/common';
import { Pool } from 'pg';

@Controller('health')
export class HealthController {
  constructor(@Inject(Pool) private readonly pool: Pool) {}

  /** Liveness: the process answers. Cheap on purpose; load balancers call it often. */
  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: Postgres answers too. */
  @Get('ready')
  async ready(): Promise<{ status: 'ok'; database: 'up' }> {
    try {
      await this.pool.query('SELECT 1');
    } catch {
      throw new HttpException({ status: 'error', database: 'down' }, 503);
    }
    return { status: 'ok', database: 'up' };
  }
}
