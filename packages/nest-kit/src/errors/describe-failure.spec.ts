import { HttpException } from '@nestjs/common';
import { ApiError, ExpressPlayError, KeystoreError } from '@openplay/core';
import { DatabaseUnavailableError } from '@openplay/database';
import { sendFailure } from './api-exception.filter';
import { ApiHttpError } from './api-http-error';
import { DATABASE_RETRY_AFTER_SECONDS, describeFailure } from './describe-failure';

const UNAVAILABLE = {
  status: 503,
  code: 503,
  message: '[503] Service Unavailable: the database is not answering, retry later',
  retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
};

describe('describeFailure: a database that is down or not answering', () => {
  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'ECONNREFUSED',
    ],
    [
      'a statement timeout',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      '57014 query_canceled (statement timeout)',
    ],
    [
      'a server shutting down',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      '57P01 admin_shutdown',
    ],
    ["pg's query timeout", new Error('Query read timeout'), 'query timeout'],
    [
      'a write no batch took',
      new DatabaseUnavailableError('no batch took the write within 2000 ms'),
      'no batch took the write within 2000 ms',
    ],
    [
      'Prisma around pg',
      { code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '53300' } } } },
      '53300 too_many_connections',
    ],
  ])('%s is a 503 with Retry-After, logged by its reason, with no error id', (_name, error, reason) => {
    const failure = describeFailure(error);
    expect(failure).toEqual({ ...UNAVAILABLE, databaseUnavailable: reason });
    expect(failure.message).not.toMatch(/5432|ECONN|pg_|statement/);
  });

  it('leaves the API refusals, client errors and other failures as they were', () => {
    expect(describeFailure(new ExpressPlayError(-2018, 'unknown account or secret')).status).toBe(401);
    expect(describeFailure(Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 })).status).toBe(
      400,
    );
    expect(describeFailure(new HttpException('x', 502))).toEqual({
      status: 502,
      code: 502,
      message: '[502] Bad Gateway',
    });
    const other = describeFailure(Object.assign(new Error('duplicate key'), { code: '23505' }));
    expect(other).toMatchObject({ status: 500, code: 500 });
    expect(other.errorId).toBeDefined();
    expect(other.retryAfterSeconds).toBeUndefined();
  });
});

describe('sendFailure: a database that is down', () => {
  it('replies 503 with Retry-After in the requested format and logs one warning, no stack', () => {
    const headers: Record<string, string> = {};
    const sent: { status?: number; body?: string } = {};
    const reply = {
      header: (name: string, value: string) => ((headers[name] = value), reply),
      status: (status: number) => ((sent.status = status), reply),
      send: (body: string) => ((sent.body = body), reply),
    };
    const logger = { warn: jest.fn(), error: jest.fn() };
    const request = {
      method: 'GET',
      routeOptions: { url: '/hms/wv/token' },
      url: '/hms/wv/token?customerAuthenticator=1,secret',
    };
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
    sendFailure(refused, request as never, reply as never, () => 'json', logger as never);
    expect(sent).toEqual({
      status: 503,
      body: JSON.stringify({ code: UNAVAILABLE.code, message: UNAVAILABLE.message }),
    });
    expect(headers).toEqual({ 'retry-after': '2', 'content-type': 'application/json; charset=utf-8' });
    expect(logger.error).not.toHaveBeenCalled();
    expect(logger.warn.mock.calls).toEqual([['database unavailable on GET /hms/wv/token: ECONNREFUSED']]);
  });
});

describe('describeFailure: one mapping for every error a client reads', () => {
  it.each([
    [
      'a token API refusal',
      new ExpressPlayError(-4010, 'token expired'),
      { status: 401, code: -4010, message: '[-4010] Invalid token: token expired' },
    ],
    [
      'a key store error',
      new KeystoreError(404, 'no key is stored under kid 00'),
      { status: 404, code: 404, message: '[404] no key is stored under kid 00' },
    ],
    [
      'a client error outside the catalog',
      new ApiHttpError(409, 'taken'),
      { status: 409, code: 409, message: '[409] taken' },
    ],
    [
      "another package's own error type",
      new (class extends ApiError {
        readonly status = 404;
        toJSON = () => ({ code: 404, message: '[404] no account 7' });
      })('no account 7'),
      { status: 404, code: 404, message: '[404] no account 7' },
    ],
  ])('%s is described by itself', (_name, error, expected) => {
    expect(describeFailure(error)).toEqual(expected);
  });
});
