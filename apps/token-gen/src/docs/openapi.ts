import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { serveApiDocs } from '@openplay/nest-kit';
import { tokenEndpointPaths } from './api-docs';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** token-gen's OpenAPI document (/docs/json) and Swagger UI (/docs). The endpoints describe themselves (docs/api-docs.ts). */
export function setUpTokenGenDocs(app: NestFastifyApplication): void {
  serveApiDocs(
    app,
    () => {
      const document = SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('openplay token-gen')
          .setDescription(
            'License tokens for Widevine and FairPlay (a drop-in for ExpressPlay\'s token API), record retrieval, and the admin API. ' +
              'Token requests and record retrieval authenticate with `customerAuthenticator`; the admin API with `Authorization: Bearer <ADMIN_API_KEY>`.',
          )
          .setVersion(packageVersion())
          .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'ADMIN_API_KEY', description: 'The admin API key (ADMIN_API_KEY)' })
          .build(),
      );
      return { ...document, paths: { ...tokenEndpointPaths(), ...document.paths } };
    },
    { title: 'openplay token-gen API', swaggerUiDir: swaggerUiDir() },
  );
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

/** swagger-ui-dist as @nestjs/swagger resolves it (its dependency); null when it is not there. */
export function swaggerUiDir(): string | null {
  try {
    return path.dirname(require.resolve('swagger-ui-dist/package.json', { paths: [path.dirname(require.resolve('@nestjs/swagger'))] }));
  } catch {
    return null;
  }
}
