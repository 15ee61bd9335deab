import { Writable } from 'node:stream';
import pino from 'pino';
import { PinoNestLogger } from './logger';

function capture(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}

describe('PinoNestLogger', () => {
  it('writes Nest messages as JSON lines with their context', () => {
    const { lines, logger } = capture();
    const nest = new PinoNestLogger(logger);
    nest.log('started', 'NestApplication');
    nest.error('boom', 'Error: boom\n    at x', 'ApiExceptionFilter');
    nest.debug('hidden', 'X');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, msg: 'started', context: 'NestApplication' }),
      expect.objectContaining({
        level: 50,
        msg: 'boom',
        context: 'ApiExceptionFilter',
        stack: 'Error: boom\n    at x',
      }),
    ]);
  });
});
