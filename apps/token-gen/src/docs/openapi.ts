import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder } from '@nestjs/swagger';
import { serveApiDocs } from '@openplay/nest-kit';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** token-gen's OpenAPI document (/docs/json) and Swagger UI (/docs), scanned from the controllers' decorators. */
export function setUpTokenGenDocs(app: NestFastifyApplication): void {
  serveApiDocs(
    app,
    new DocumentBuilder()
      .setTitle('openplay token-gen')
      .setDescription(
        "License tokens for Widevine and FairPlay (a drop-in for ExpressPlay's token API), record retrieval, key storage and the admin API. " +
          'Token requests, record retrieval and key storage authenticate with `customerAuthenticator`; the admin API with `Authorization: Bearer <ADMIN_API_KEY>`.',
      )
      .setVersion(packageVersion())
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'ADMIN_API_KEY',
        description: 'The admin API key (ADMIN_API_KEY)',
      })
      .build(),
  );
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}
