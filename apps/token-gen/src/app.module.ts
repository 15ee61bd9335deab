import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { readErrorFormat } from '@openplay/core';
import { AccountRepository, AuditQuery, PrismaClient, UsageQuery } from '@openplay/database';
import {
  ApiExceptionFilter,
  DatabaseModule,
  databaseOptions,
  HealthController,
  Metrics,
  MetricsController,
  requestParams,
} from '@openplay/nest-kit';
import type { FastifyRequest } from 'fastify';
import { AdminApiController } from './admin/admin-api.controller';
import { AdminApiGuard } from './admin/admin-api.guard';
import { isAdminPath } from './admin/admin-body';
import { AdminCommands } from './admin/admin-commands';
import { AccountGate } from './auth/account-gate';
import { TOKEN_GEN_CONFIG, TokenGenConfigModule } from './config/config.provider';
import type { TokenGenConfig } from './config/token-gen.config';
import { isKeystorePath } from './keystore/keystore-paths';
import { KeystoreController } from './keystore/keystore.controller';
import { KEYSTORE_PROVIDERS } from './keystore/keystore.providers';
import { UsageController } from './usage/usage.controller';
import { RecordsController } from './records/records.controller';
import { TokenController } from './token/token.controller';
import { TokenIssuer } from './token/token-issuer';

/** Errors, 404s included, come in the format the request's errorFormat asks for (html by default); the admin API's and the key store's in JSON. */
export const tokenGenErrorFormat = (request: FastifyRequest) =>
  isAdminPath(request.url) || isKeystorePath(request.url)
    ? 'json'
    : readErrorFormat(requestParams(request.url, request.body));

@Module({})
export class AppModule {
  static forRoot(config: TokenGenConfig): DynamicModule {
    const configModule = TokenGenConfigModule.forRoot(config);
    return {
      module: AppModule,
      imports: [
        configModule,
        DatabaseModule.forRootAsync({
          imports: [configModule],
          inject: [TOKEN_GEN_CONFIG],
          useFactory: (c: TokenGenConfig) => databaseOptions(c),
        }),
      ],
      controllers: [
        TokenController,
        RecordsController,
        UsageController,
        AdminApiController,
        KeystoreController,
        HealthController,
        MetricsController,
      ],
      providers: [
        AccountGate,
        TokenIssuer,
        ...KEYSTORE_PROVIDERS,
        { provide: AuditQuery, inject: [PrismaClient], useFactory: (prisma: PrismaClient) => new AuditQuery(prisma) },
        { provide: UsageQuery, inject: [PrismaClient], useFactory: (prisma: PrismaClient) => new UsageQuery(prisma) },
        {
          provide: AdminCommands,
          inject: [AccountRepository, AuditQuery, UsageQuery, TOKEN_GEN_CONFIG],
          useFactory: (accounts: AccountRepository, audit: AuditQuery, usage: UsageQuery, c: TokenGenConfig) =>
            new AdminCommands(accounts, Buffer.from(c.AUTHENTICATOR_PEPPER, 'hex'), audit, usage),
        },
        AdminApiGuard,
        Metrics,
        { provide: APP_FILTER, useFactory: () => new ApiExceptionFilter(tokenGenErrorFormat) },
      ],
    };
  }
}
