import type { ErrorCode } from '../errors';
import { parseKid } from './parse-kid';
import { attempt } from './testing/requests';

// parseKid is also the key store API's kid parser, so it is tested on its own as well as through the table.
describe('parseKid', () => {
  it.each([
    ['b366360da82e9c6e0b0984002a362cf2', 'b366360da82e9c6e0b0984002a362cf2'],
    ['B366360DA82E9C6E0B0984002A362CF2', 'b366360da82e9c6e0b0984002a362cf2'],
    ['^kid1', '80ea8bc8a58f990ad1f76bc665b30bfa'],
  ])('reads %s', (value, kid) => {
    expect(parseKid(value).toString('hex')).toBe(kid);
  });

  it.each<[string, string, ErrorCode]>([
    ['^ and 65 characters', `^${'k'.repeat(65)}`, -4021],
    ['^ and a megabyte', `^${'k'.repeat(1_000_000)}`, -4021],
    ['^ alone', '^', -4022],
    ['a name with a tab', '^a\tb', -4022],
    ['a name in Greek', '^κλειδί', -4022],
    ['non-hex', 'b366360da82e9c6e0b0984002a362cfz', -4022],
    ['a UUID', 'b366360d-a82e-9c6e-0b09-84002a362cf2', -4022],
    ['hex of 30 digits', 'b366360da82e9c6e0b0984002a362c', -4020],
    ['hex of 64 digits', 'b366360da82e9c6e0b0984002a362cf2'.repeat(2), -4020],
    ['a space before', ' b366360da82e9c6e0b0984002a362cf2', -4022],
  ])('refuses %s with %i', (_label, value, code) => {
    const error = attempt(() => parseKid(value));
    expect([error.code, error.status]).toEqual([code, 400]);
  });
});
