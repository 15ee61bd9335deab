import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  configureFastifyApp,
  createFastifyAdapter,
  createLogger,
  isClusterPrimary,
  runPrimary,
  setUpProcessShutdown,
  httpLimits,
  installCipherBackend,
  PinoNestLogger,
  type HttpAppOptions,
  Metrics,
  trustProxyOption,
} from '@openplay/nest-kit';
import type { DestinationStream } from 'pino';
import { AppModule, tokenGenErrorFormat } from './app.module';
import { validateTokenGenConfig, type TokenGenConfig } from './config/token-gen.config';
import { serveConsole } from './console/console-site';
import { setUpTokenGenDocs } from './docs/openapi';

/** Where JSON bodies are taken: the admin API and the key store (one parser per media type, so one list). */
const JSON_API_PATH = /^\/(admin|keystore)(\/|\?|$)/;

export function tokenGenHttpOptions(config: TokenGenConfig): HttpAppOptions {
  return {
    bodyLimit: config.MAX_BODY_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    limits: httpLimits(config),
    bodyTypes: [
      { type: 'application/x-www-form-urlencoded', as: 'string' },
      // JSON bodies only for the JSON APIs (admin API, key store); the token endpoints keep answering 415 to them.
      { type: 'application/json', as: 'json', paths: JSON_API_PATH },
    ],
    formatOf: tokenGenErrorFormat,
    // A key store path may name up to 100 kids (`^name` ones percent-encoded): the request line bounds it instead.
    maxParamLength: 16_384,
  };
}

/**
 * Builds the app ready to listen; tests use it too, so they see what production serves. Logs go to stdout, or to
 * `logDestination` (tests that read the log lines).
 */
export async function createTokenGenApp(
  config: TokenGenConfig,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  const logger = createLogger(config.LOG_LEVEL, logDestination);
  installCipherBackend(config.OPENPLAY_NATIVE, logger);
  const options = tokenGenHttpOptions(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createFastifyAdapter(options),
    {
      logger: new PinoNestLogger(logger),
      // Bodies are parsed by configureFastifyApp: only the media types the API takes, as raw text or bytes.
      bodyParser: false,
    },
  );
  configureFastifyApp(app, options, app.get(Metrics), logger);
  setUpTokenGenDocs(app);
  await serveConsole(app, logger);
  return app;
}

async function main(): Promise<void> {
  let config: TokenGenConfig;
  try {
    config = validateTokenGenConfig(process.env);
  } catch (error) {
    process.stderr.write(`token-gen: ${(error as Error).message}\n`);
    process.exit(2);
  }
  if (isClusterPrimary(config.WORKERS)) {
    // WORKERS > 1: this process only forks and watches the workers, each of which runs the rest of main().
    runPrimary({ name: 'token-gen', workers: config.WORKERS, logger: createLogger(config.LOG_LEVEL) });
    return;
  }
  let app: NestFastifyApplication;
  try {
    app = await createTokenGenApp(config);
  } catch (error) {
    // OPENPLAY_NATIVE=required without the addon, among others: one line, as for a bad setting.
    process.stderr.write(`token-gen: ${(error as Error).message}\n`);
    process.exit(2);
  }
  setUpProcessShutdown(app, app.get(Metrics), 'token-gen');
  try {
    await app.listen(config.TOKEN_GEN_PORT, config.TOKEN_GEN_HOST);
  } catch (error) {
    // One line, as for a bad setting: the port is taken, or the database refused the app (not merely down).
    process.stderr.write(`token-gen: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `token-gen (${config.ENVIRONMENT}) listening on http://${config.TOKEN_GEN_HOST}:${config.TOKEN_GEN_PORT}\n`,
  );
}

if (require.main === module) void main();
