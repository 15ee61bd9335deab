import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import {
  ApiExceptionFilter,
  DatabaseModule,
  databaseOptions,
  HealthController,
  Metrics,
  MetricsController,
} from '@openplay/nest-kit';
import { RIGHTS_CONFIG, RightsConfigModule } from './config/config.module';
import type { RightsConfig } from './config/rights.config';
import { ClearKeyController } from './clearkey/clear-key.controller';
import { ClearKeyRedemption } from './clearkey/clear-key-redemption';
import { CryptoModule, type CryptoImplementation } from './drm/drm.module';
import { FairPlayController } from './fairplay/fairplay.controller';
import { FairPlayRedemption } from './fairplay/fairplay-redemption';
import { Redemptions } from './redemption/redemption';
import { WidevineController } from './widevine/widevine.controller';
import { WidevineRedemption } from './widevine/widevine-redemption';

/** Players read JSON errors from the rights servers, whatever they sent. */
export const rightsErrorFormat = () => 'json' as const;

@Module({})
export class AppModule {
  static forRoot(config: RightsConfig, crypto: CryptoImplementation): DynamicModule {
    const configModule = RightsConfigModule.forRoot(config);
    return {
      module: AppModule,
      imports: [
        configModule,
        CryptoModule.forRoot(crypto),
        DatabaseModule.forRootAsync({
          imports: [configModule],
          inject: [RIGHTS_CONFIG],
          useFactory: (c: RightsConfig) => databaseOptions(c),
        }),
      ],
      controllers: [WidevineController, FairPlayController, ClearKeyController, HealthController, MetricsController],
      providers: [
        Redemptions,
        WidevineRedemption,
        FairPlayRedemption,
        ClearKeyRedemption,
        Metrics,
        { provide: APP_FILTER, useFactory: () => new ApiExceptionFilter(rightsErrorFormat) },
      ],
    };
  }
}
