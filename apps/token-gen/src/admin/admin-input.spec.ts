import 'reflect-metadata';
import { MAX_ACCOUNT_NUMBER, MAX_CREDITS } from '@openplay/core';
import { AccountPathDto, CreateAccountDto, SetCreditsDto, SetOptionsDto } from './account.dto';
import { AdminError } from './admin-commands';
import { AdminInputPipe, parseAdminInput } from './admin-input';
import { AddAuthenticatorDto, AuthenticatorPathDto } from './authenticator.dto';
import { LogsQueryDto } from './logs-query.dto';

/** The AdminError a parse throws: its kind and message. */
function refusal(run: () => unknown): { kind: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AdminError);
    return { kind: (error as AdminError).kind, message: (error as AdminError).message };
  }
  throw new Error('expected an AdminError');
}

describe('parseAdminInput', () => {
  it('reads a new account: defaults, trimmed name, credits as bigint', () => {
    expect({ ...parseAdminInput(CreateAccountDto, { name: '  Acme ' }) }).toEqual({
      name: 'Acme',
      credits: null,
      widevine: true,
      fairplay: true,
      clearKey: true,
    });
    expect({
      ...parseAdminInput(CreateAccountDto, {
        name: 'A',
        credits: 5,
        widevine: 'off',
        fairplay: 'false',
        clearKey: 'off',
      }),
    }).toEqual({
      name: 'A',
      credits: 5n,
      widevine: false,
      fairplay: false,
      clearKey: false,
    });
    expect(parseAdminInput(CreateAccountDto, { name: 'A', credits: String(MAX_CREDITS) }).credits).toBe(MAX_CREDITS);
    expect(parseAdminInput(CreateAccountDto, { name: 'A', credits: 'unlimited' }).credits).toBeNull();
    expect(parseAdminInput(CreateAccountDto, { name: 'A', credits: undefined }).credits).toBeNull();
    expect(parseAdminInput(CreateAccountDto, { name: '\u{1F600}'.repeat(200) }).name).toHaveLength(400);
  });

  it.each<[string, object, string]>([
    ['no name', { credits: 5 }, 'name must be a non-empty string of at most 200 characters'],
    ['a blank name', { name: '   ' }, 'name must be a non-empty string of at most 200 characters'],
    ['a name as a number', { name: 5 }, 'name must be a non-empty string of at most 200 characters'],
    [
      'a name of 201 characters',
      { name: 'x'.repeat(201) },
      'name must be a non-empty string of at most 200 characters',
    ],
    [
      '200 letters each with a variation selector (400 code points)',
      { name: 'x\uFE0F'.repeat(200) },
      'name must be a non-empty string of at most 200 characters',
    ],
    ['a NUL in the name', { name: 'Nul\u0000Co' }, 'name must not contain control characters or broken UTF-16'],
    ['half a surrogate pair', { name: 'half \ud800' }, 'name must not contain control characters or broken UTF-16'],
    [
      'negative credits',
      { name: 'A', credits: -1 },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    [
      'fractional credits',
      { name: 'A', credits: 1.5 },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    [
      'credits past the bound',
      { name: 'A', credits: Number(MAX_CREDITS) + 1 },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    [
      'credits of 16 digits',
      { name: 'A', credits: '1000000000000000' },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    [
      'credits 1e300',
      { name: 'A', credits: 1e300 },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    [
      'credits "NaN"',
      { name: 'A', credits: 'NaN' },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    [
      'credits as a boolean',
      { name: 'A', credits: true },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    [
      'credits as an object',
      { name: 'A', credits: { n: 1 } },
      `credits must be a whole number (0 to ${MAX_CREDITS}), or null / "unlimited"`,
    ],
    ['a switch that is neither', { name: 'A', widevine: 'maybe' }, 'widevine must be true or false (or on/off)'],
    ['a switch of null', { name: 'A', fairplay: null }, 'fairplay must be true or false (or on/off)'],
    ['a switch of 1', { name: 'A', fairplay: 1 }, 'fairplay must be true or false (or on/off)'],
    ['an unknown field', { name: 'A', colour: 'red' }, 'unknown field "colour"'],
    ['__proto__', JSON.parse('{"name":"A","__proto__":{"credits":3}}'), 'unknown field "__proto__"'],
    ['constructor', { name: 'A', constructor: 'x' }, 'unknown field "constructor"'],
  ])('refuses %s with 400', (_name, fields, message) => {
    expect(refusal(() => parseAdminInput(CreateAccountDto, fields))).toEqual({ kind: 'invalid', message });
  });

  it('refuses what is not an object of fields', () => {
    for (const input of [null, 'name=A', 5, [{ name: 'A' }]]) {
      expect(refusal(() => parseAdminInput(CreateAccountDto, input)).message).toBe(
        'the input must be an object of fields',
      );
    }
  });

  it('copes with a deeply nested value (no stack overflow)', () => {
    const deep = JSON.parse(`{"name":"A","credits":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
    expect(refusal(() => parseAdminInput(CreateAccountDto, deep)).message).toMatch(/^credits must be a whole number/);
  });

  it('credits: required for SetCreditsDto, null allowed', () => {
    expect(refusal(() => parseAdminInput(SetCreditsDto, {})).message).toBe(
      'give credits: a whole number, or null / "unlimited"',
    );
    expect(parseAdminInput(SetCreditsDto, { credits: null }).credits).toBeNull();
    expect(parseAdminInput(SetCreditsDto, { credits: '0' }).credits).toBe(0n);
  });

  it('options: at least one, each checked', () => {
    expect(refusal(() => parseAdminInput(SetOptionsDto, {})).message).toBe(
      'give at least one of widevineEnabled, fairplayAuthorized, fairplayEnabled, clearKeyEnabled, name',
    );
    expect(refusal(() => parseAdminInput(SetOptionsDto, { changes: ['x'] })).message).toBe('unknown field "changes"');
    expect(refusal(() => parseAdminInput(SetOptionsDto, { name: '' })).message).toBe(
      'name must be a non-empty string of at most 200 characters',
    );
    expect(refusal(() => parseAdminInput(SetOptionsDto, { widevineEnabled: null })).message).toBe(
      'widevineEnabled must be true or false (or on/off)',
    );
    const options = parseAdminInput(SetOptionsDto, { fairplayEnabled: 'on' });
    expect([options.fairplayEnabled, options.widevineEnabled, options.name]).toEqual([true, undefined, undefined]);
  });

  it('names fields as the caller writes them, and adds hints', () => {
    const flags = {
      names: {
        widevineEnabled: '--widevine',
        fairplayAuthorized: '--fairplay-authorized',
        fairplayEnabled: '--fairplay',
        clearKeyEnabled: '--clear-key',
        name: '--name',
      },
    };
    expect(refusal(() => parseAdminInput(SetOptionsDto, { widevineEnabled: 'maybe' }, flags)).message).toBe(
      '--widevine must be true or false (or on/off)',
    );
    expect(refusal(() => parseAdminInput(SetOptionsDto, {}, flags)).message).toBe(
      'give at least one of --widevine, --fairplay-authorized, --fairplay, --clear-key, --name',
    );
    expect(
      refusal(() =>
        parseAdminInput(AuthenticatorPathDto, { number: '1', id: '0' }, { hints: { id: 'see account show' } }),
      ).message,
    ).toBe('give the authenticator id, 1 to 2147483647 (see account show)');
  });

  it('account numbers: digits up to core MAX_ACCOUNT_NUMBER', () => {
    expect(parseAdminInput(AccountPathDto, { number: '431907' }).number).toBe(431907);
    expect(parseAdminInput(AccountPathDto, { number: String(MAX_ACCOUNT_NUMBER) }).number).toBe(MAX_ACCOUNT_NUMBER);
    for (const number of [
      undefined,
      '',
      'abc',
      '-1',
      '1e3',
      '0x10',
      ' 5',
      '4.5',
      String(MAX_ACCOUNT_NUMBER + 1),
      '9'.repeat(30),
      'NaN',
      'Infinity',
    ]) {
      expect(refusal(() => parseAdminInput(AccountPathDto, { number })).message).toBe('give the account number');
    }
  });

  it('authenticators: environment, label, id', () => {
    expect({ ...parseAdminInput(AddAuthenticatorDto, { environment: 'test' }) }).toEqual({
      environment: 'test',
      label: null,
    });
    expect({ ...parseAdminInput(AddAuthenticatorDto, { environment: 'production', label: null }) }).toEqual({
      environment: 'production',
      label: null,
    });
    expect(refusal(() => parseAdminInput(AddAuthenticatorDto, { environment: 'staging' })).message).toBe(
      'environment must be test or production',
    );
    expect(refusal(() => parseAdminInput(AddAuthenticatorDto, { environment: ['test'] })).message).toBe(
      'environment must be test or production',
    );
    expect(refusal(() => parseAdminInput(AddAuthenticatorDto, { environment: 'test', label: 7 })).message).toBe(
      'label must be a string of at most 100 characters',
    );
    expect(
      refusal(() => parseAdminInput(AddAuthenticatorDto, { environment: 'test', label: 'tab\tlabel' })).message,
    ).toBe('label must not contain control characters or broken UTF-16');
    for (const id of ['0', '2147483648', '99999999999999999999', '1e3', 'x']) {
      expect(refusal(() => parseAdminInput(AuthenticatorPathDto, { number: '1', id })).message).toBe(
        'give the authenticator id, 1 to 2147483647',
      );
    }
    // The account number is read first.
    expect(refusal(() => parseAdminInput(AuthenticatorPathDto, { number: 'x', id: 'x' })).message).toBe(
      'give the account number',
    );
  });

  it('logs: a filter, its forms, the limit', () => {
    expect({ ...parseAdminInput(LogsQueryDto, { cookie: 'c' }) }).toEqual({ cookie: 'c', limit: 100 });
    expect({ ...parseAdminInput(LogsQueryDto, { account: '7', limit: '1000' }) }).toEqual({ account: 7, limit: 1000 });
    for (const [fields, message] of [
      [{}, 'give a cookie, a token id or an account to search the logs by'],
      [{ limit: '5' }, 'give a cookie, a token id or an account to search the logs by'],
      [{ cookie: '' }, 'a cookie has 1 to 32 characters'],
      [{ cookie: 'x'.repeat(33) }, 'a cookie has 1 to 32 characters'],
      [{ cookie: 'a\u0000b' }, 'cookie must not contain control characters or broken UTF-16'],
      [{ tokenId: 'xyz' }, 'a token id is 32 hex digits'],
      [{ account: 'abc' }, 'give the account number'],
      [{ account: '1', limit: '0' }, 'the limit must be a whole number from 1 to 1000'],
      [{ account: '1', limit: '1001' }, 'the limit must be a whole number from 1 to 1000'],
      [{ account: '1', limit: 'NaN' }, 'the limit must be a whole number from 1 to 1000'],
      [{ account: '1', searchBy: 'x' }, 'unknown field "searchBy"'],
    ] as const) {
      expect(refusal(() => parseAdminInput(LogsQueryDto, fields)).message).toBe(message);
    }
  });
});

describe('AdminInputPipe', () => {
  const pipe = new AdminInputPipe();

  it('reads JSON and form bodies, refuses broken ones', () => {
    expect(
      pipe.transform({ json: '{"name":"A","credits":"7"}' }, { type: 'body', metatype: CreateAccountDto }),
    ).toMatchObject({ name: 'A', credits: 7n });
    expect(pipe.transform('name=Caf%C3%A9&widevine=off', { type: 'body', metatype: CreateAccountDto })).toMatchObject({
      name: 'Café',
      widevine: false,
    });
    expect(() => pipe.transform({ json: '{"name":' }, { type: 'body', metatype: CreateAccountDto })).toThrow(
      'the body is not valid JSON',
    );
    for (const json of ['[1]', '"name"', '5', 'null']) {
      expect(() => pipe.transform({ json }, { type: 'body', metatype: CreateAccountDto })).toThrow(
        'the body must be a JSON object',
      );
    }
  });

  it('refuses a query field given twice, by name', () => {
    expect(() => pipe.transform({ cookie: ['a', 'b'] }, { type: 'query', metatype: LogsQueryDto })).toThrow(
      new AdminError('cookie is given more than once', 'invalid'),
    );
  });

  it('is for DTO classes only', () => {
    expect(() => pipe.transform('1', { type: 'param', metatype: String, data: 'number' })).toThrow(/needs a DTO class/);
  });
});
