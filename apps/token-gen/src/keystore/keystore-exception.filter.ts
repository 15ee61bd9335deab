import { Catch } from '@nestjs/common';
import { ApiExceptionFilter } from '@openplay/nest-kit';

/**
 * The key store answers every error in JSON, whatever `errorFormat` says (it is a JSON API, as ExpressPlay's SKM
 * API is). The errors themselves are described as everywhere else (`KeystoreError` renders
 * `{"code":<status>,"message":"[<status>] …"}`, core's refusals their own codes).
 */
@Catch()
export class KeystoreExceptionFilter extends ApiExceptionFilter {
  constructor() {
    super(() => 'json');
  }
}
