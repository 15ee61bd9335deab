import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { TokenGenConfig } from './token-gen.config';

export const TOKEN_GEN_CONFIG = Symbol('TOKEN_GEN_CONFIG');

/**
 * The validated environment as one typed object. main.ts validates it before Nest starts, so a bad setting
 * stops the process with one line; tests pass their own. (Nest's ConfigService would hand out untyped strings.)
 */
@Global()
@Module({})
export class TokenGenConfigModule {
  static forRoot(config: TokenGenConfig): DynamicModule {
    return {
      module: TokenGenConfigModule,
      providers: [{ provide: TOKEN_GEN_CONFIG, useValue: config }],
      exports: [TOKEN_GEN_CONFIG],
    };
  }
}
