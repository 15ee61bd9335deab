import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { RightsConfig } from './rights.config';

export const RIGHTS_CONFIG = Symbol('RIGHTS_CONFIG');

/** The validated environment as one typed object (main.ts validates it before Nest starts). */
@Global()
@Module({})
export class RightsConfigModule {
  static forRoot(config: RightsConfig): DynamicModule {
    return {
      module: RightsConfigModule,
      providers: [{ provide: RIGHTS_CONFIG, useValue: config }],
      exports: [RIGHTS_CONFIG],
    };
  }
}
