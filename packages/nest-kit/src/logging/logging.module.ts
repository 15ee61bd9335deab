import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { redactUrl } from './redact';

export interface LoggingOptions {
  /** pino level; `silent` turns logging off. */
  readonly level?: string;
}

/**
 * Structured JSON logs (pino) with one access line per request, health checks left out. URLs lose the
 * values of secret parameters; of the headers only the user agent is kept; bodies (challenges, SPCs, forms) never are.
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.level ?? 'info',
            // Behind Nest's middleware layer `url` may be rewritten; `originalUrl` is what the client asked for.
            autoLogging: { ignore: (request: IncomingMessage & { originalUrl?: string }) => (request.originalUrl ?? request.url ?? '').startsWith('/health') },
            serializers: {
              req: (request: { method?: string; url?: string; headers?: Record<string, unknown>; remoteAddress?: string }) => ({
                method: request.method,
                url: redactUrl(request.url ?? ''),
                remoteAddress: request.remoteAddress,
                userAgent: request.headers?.['user-agent'],
              }),
            },
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
