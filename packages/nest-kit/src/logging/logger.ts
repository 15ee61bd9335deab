import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * One JSON logger per app, on stdout unless a destination is given (tests read the lines). `silent` turns it off;
 * the benchmarks run at `warn`, so no access lines.
 */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return destination ? pino({ level }, destination) : pino({ level });
}

/** Nest's own messages (start-up, errors from the exception filter) as pino lines with their context. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes (message, stack?, context?). */
  error(message: unknown, ...params: unknown[]): void {
    const context =
      params.length > 1 || (params.length === 1 && !String(params[0]).includes('\n')) ? params.pop() : undefined;
    const stack = params[0];
    this.logger.error({ context, ...(stack ? { stack } : {}) }, String(message));
  }

  private write(level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const context = typeof params[params.length - 1] === 'string' ? params[params.length - 1] : undefined;
    this.logger[level]({ context }, typeof message === 'string' ? message : JSON.stringify(message));
  }
}
