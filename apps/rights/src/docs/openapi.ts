import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder } from '@nestjs/swagger';
import { serveApiDocs } from '@openplay/nest-kit';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** rights' OpenAPI document (/docs/json) and Swagger UI (/docs), scanned from the controllers' decorators. */
export function setUpRightsDocs(app: NestFastifyApplication): void {
  serveApiDocs(
    app,
    new DocumentBuilder()
      .setTitle('openplay rights')
      .setDescription(
        "Redeems license tokens from token-gen: Widevine licenses and FairPlay CKCs (ExpressPlay's /hms/{wv,fp}/rights/). Errors are JSON.",
      )
      .setVersion(packageVersion())
      .build(),
  );
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}
