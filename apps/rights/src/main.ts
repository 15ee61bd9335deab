import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  configureFastifyApp,
  corsOrigins,
  createFastifyAdapter,
  createLogger,
  isClusterPrimary,
  runPrimary,
  setUpProcessShutdown,
  enableCors,
  type HttpAppOptions,
  httpLimits,
  installCipherBackend,
  Metrics,
  PinoNestLogger,
  trustProxyOption,
} from '@openplay/nest-kit';
import { RedemptionLedger } from '@openplay/database';
import type { DestinationStream } from 'pino';
import { AppModule, rightsErrorFormat } from './app.module';
import { type RightsConfig, validateRightsConfig } from './config/rights.config';
import { type CryptoImplementation, createCryptoImplementation } from './drm/drm.module';
import { demoFiles, serveDemoPage } from './demo/demo-page';
import { setUpRightsDocs } from './docs/openapi';

export function rightsHttpOptions(config: RightsConfig): HttpAppOptions {
  return {
    bodyLimit: config.MAX_BODY_BYTES,
    trustProxy: trustProxyOption(config.TRUST_PROXY),
    limits: httpLimits(config),
    // Challenges and SPCs come with any media type (or none); forms and JSON carry base64 SPCs.
    bodyTypes: [
      { type: 'application/x-www-form-urlencoded', as: 'string' },
      { type: 'application/json', as: 'string' },
      // Named although `*` takes it too: Fastify caches the parser it finds for a named type, but looks for the
      // catch-all anew on every request (parsing the Content-Type header each time), and CDMs send this type.
      { type: 'application/octet-stream', as: 'buffer' },
      { type: '*', as: 'buffer' },
    ],
    formatOf: rightsErrorFormat,
    // The FairPlay application certificate is static: HEAD may ask for it.
    headPaths: /^\/hms\/fp\/cert\/?(\?|$)/,
  };
}

/**
 * Builds the app ready to listen; tests use it too, so they see what production serves. Logs go to stdout, or to
 * `logDestination` (tests that read the log lines).
 */
export async function createRightsApp(
  config: RightsConfig,
  crypto: CryptoImplementation,
  logDestination?: DestinationStream,
): Promise<NestFastifyApplication> {
  const demo = config.DEMO_MEDIA_DIR === undefined ? undefined : demoFiles(config.DEMO_MEDIA_DIR);
  const logger = createLogger(config.LOG_LEVEL, logDestination);
  installCipherBackend(config.OPENPLAY_NATIVE, logger);
  const options = rightsHttpOptions(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, crypto),
    createFastifyAdapter(options),
    {
      logger: new PinoNestLogger(logger),
      bodyParser: false,
    },
  );
  const metrics = app.get(Metrics);
  configureFastifyApp(app, options, metrics, logger);
  app.get(RedemptionLedger).onBatch((size) => metrics.ledgerBatch(size));
  setUpRightsDocs(app);
  // Browser players POST challenges cross-origin.
  enableCors(app, {
    origins: corsOrigins(config.CORS_ORIGINS),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'ExpressPlayToken', 'Authorization', 'Accept'],
    exposedHeaders: ['X-ExpressPlay-Error-Code', 'X-ExpressPlay-Error-Message'],
    maxAge: 86_400,
  });
  if (demo) await serveDemoPage(app, demo);
  return app;
}

async function main(): Promise<void> {
  let config: RightsConfig;
  let crypto: CryptoImplementation;
  try {
    config = validateRightsConfig(process.env);
    crypto = createCryptoImplementation(config);
  } catch (error) {
    process.stderr.write(`rights: ${(error as Error).message}\n`);
    process.exit(2);
  }
  if (isClusterPrimary(config.WORKERS)) {
    // WORKERS > 1: this process only forks and watches the workers, each of which runs the rest of main().
    runPrimary({ name: 'rights', workers: config.WORKERS, logger: createLogger(config.LOG_LEVEL) });
    return;
  }
  let app: NestFastifyApplication;
  try {
    app = await createRightsApp(config, crypto);
  } catch (error) {
    // OPENPLAY_NATIVE=required without the addon, among others: one line, as for a bad setting.
    process.stderr.write(`rights: ${(error as Error).message}\n`);
    process.exit(2);
  }
  setUpProcessShutdown(app, app.get(Metrics), 'rights');
  try {
    await app.listen(config.RIGHTS_PORT, config.RIGHTS_HOST);
  } catch (error) {
    // One line, as for a bad setting: the port is taken, or the database refused the app (not merely down).
    process.stderr.write(`rights: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `rights (${config.ENVIRONMENT}) listening on http://${config.RIGHTS_HOST}:${config.RIGHTS_PORT}\n`,
  );
}

if (require.main === module) void main();
