/**
 * Every error code of the token API (docs/api.md §4), its HTTP status and message.
 * Messages follow the wording of ExpressPlay's servers; `[code] ` is added when rendered.
 * `reachable` says which server can produce the code. Codes that no request to this project can produce
 * say why in `unreachable`, so that nobody hunts for the path that emits them.
 */
export type Reachability = 'token' | 'rights' | 'both' | 'keystore';

export interface CatalogEntry {
  readonly status: number;
  readonly message: string;
  readonly reachable: Reachability | null;
  readonly unreachable?: string;
}

export const ERROR_CATALOG = {
  [-2002]: { status: 400, message: 'Invalid token expiration time', reachable: 'token' },
  [-2003]: {
    status: 400,
    message: 'Invalid IP address',
    reachable: null,
    unreachable: 'the seeds name no IP-restriction parameter for Widevine or FairPlay tokens',
  },
  [-2005]: { status: 400, message: 'Invalid content encryption key', reachable: 'token' },
  [-2008]: { status: 400, message: 'Invalid output control flags specified', reachable: 'token' },
  [-2017]: { status: 401, message: 'Authentication token must be supplied', reachable: 'both' },
  [-2018]: { status: 401, message: 'Authentication token invalid', reachable: 'both' },
  [-2019]: { status: 400, message: 'Insufficient tokens available', reachable: 'both' },
  [-2020]: { status: 400, message: 'Missing rights type', reachable: 'token' },
  [-2021]: { status: 400, message: 'Invalid rights type', reachable: 'token' },
  [-2022]: {
    status: 400,
    message: 'Missing rental period end time',
    reachable: null,
    unreachable: 'rental.periodEndTime is a PlayReady parameter; Widevine and FairPlay tokens have no rental end time',
  },
  [-2023]: {
    status: 400,
    message: 'Missing rental play duration',
    reachable: null,
    unreachable: 'rental.playDuration is a PlayReady parameter; FairPlay rentals default to 0 (spec §2.3)',
  },
  [-2025]: {
    status: 400,
    message: 'Invalid rental play duration',
    reachable: null,
    unreachable: 'rental.playDuration is a PlayReady parameter; FairPlay rentalDuration errors are -6007',
  },
  [-2027]: { status: 400, message: 'Content encryption key must be 32-hexadecimal digits long', reachable: 'token' },
  [-2030]: {
    status: 500,
    message: 'ExpressPlay Admin error',
    reachable: null,
    unreachable: 'administration is the admin CLI and API, whose errors are their own; no token request reaches it',
  },
  [-2031]: { status: 401, message: 'Service Account Disabled', reachable: 'both' },
  [-2033]: { status: 400, message: 'Invalid cookie', reachable: 'token' },
  [-2034]: { status: 400, message: 'Invalid Output Control, values out of specified range', reachable: 'token' },
  [-2035]: { status: 400, message: 'No corresponding value specified', reachable: 'token' },
  [-2036]: { status: 400, message: 'Extension type should be 4 characters', reachable: 'token' },
  [-2037]: { status: 400, message: 'Extension payload should be Base64 encoded', reachable: 'token' },
  [-2040]: { status: 400, message: 'OutputControlFlag must be encode 4 bytes', reachable: 'token' },
  [-3004]: { status: 400, message: 'Invalid error format specified', reachable: 'token' },
  [-4001]: { status: 401, message: 'Device could not be authenticated', reachable: 'rights' },
  [-4010]: { status: 401, message: 'Invalid token', reachable: 'rights' },
  [-4018]: { status: 400, message: 'Missing kid', reachable: 'token' },
  [-4019]: { status: 400, message: 'Failed to get content key from key storage service', reachable: 'token' },
  [-4020]: { status: 400, message: 'kid must be 32 hexadecimal characters long', reachable: 'token' },
  [-4021]: { status: 400, message: "kid must be at most 64 characters long after the '^'", reachable: 'token' },
  [-4022]: { status: 400, message: 'Invalid kid', reachable: 'token' },
  [-4024]: { status: 400, message: 'Invalid encrypted key or kek', reachable: 'token' },
  [-5003]: { status: 400, message: 'Invalid general flags', reachable: 'token' },
  [-6001]: { status: 400, message: 'Invalid FPExtension parameters specified', reachable: 'token' },
  [-6002]: { status: 400, message: 'Invalid FP Token Type', reachable: 'rights' },
  [-6003]: { status: 400, message: 'Invalid iv parameter specified', reachable: 'token' },
  [-6004]: { status: 400, message: 'Failed to generate CKC for FP', reachable: 'rights' },
  // Key parameters have more precise codes (-2005, -2027, -4024); -6005 is Widevine's invalid contentId, which is
  // part of a key's data in ExpressPlay's key storage and has no code of its own (packages/core/README.md).
  [-6005]: { status: 400, message: 'Invalid key data specified', reachable: 'token' },
  [-6006]: { status: 400, message: 'Service not authorized for FairPlay support', reachable: 'both' },
  [-6007]: { status: 400, message: 'Invalid rental duration specified', reachable: 'token' },
  [-6008]: {
    status: 400,
    message: 'Device ID binding is not supported for FairPlay',
    reachable: 'token',
  },
  [-6009]: { status: 400, message: 'FairPlay option disabled', reachable: 'both' },
  [-7002]: { status: 400, message: 'Device ID binding is not supported for Widevine', reachable: 'token' },
  [-7003]: { status: 400, message: 'Missing security level value', reachable: 'token' },
  [-7004]: { status: 400, message: 'Invalid security level value', reachable: 'token' },
  [-7006]: { status: 400, message: 'Missing HDCP output control value', reachable: 'token' },
  [-7007]: { status: 400, message: 'Invalid license duration specified', reachable: 'token' },
  [-7008]: { status: 400, message: 'Failed to generate Widevine license', reachable: 'rights' },
  [-7009]: { status: 400, message: 'Invalid WVExtension parameters specified', reachable: 'token' },
  [-7011]: { status: 400, message: 'Widevine option disabled', reachable: 'both' },
  // -80xx: W3C Clear Key (`org.w3.clearkey`), which ExpressPlay does not offer: this project's own range, after
  // FairPlay's -60xx and Widevine's -70xx (docs/decisions/0010-clear-key.md).
  [-8001]: { status: 400, message: 'Clear Key option disabled', reachable: 'both' },
  [-8002]: { status: 400, message: 'Parameter not supported for Clear Key', reachable: 'token' },
  [-8003]: { status: 400, message: 'Invalid Clear Key license request', reachable: 'rights' },
  [-8004]: { status: 400, message: 'No requested key ID is in the token', reachable: 'rights' },
  // -90xx: usage control, which ExpressPlay does not offer: this project's own range (docs/decisions/0015-use-limited-tokens.md).
  [-9001]: { status: 400, message: 'Invalid use limit', reachable: 'token' },
  [-9002]: { status: 403, message: 'Token use limit reached', reachable: 'rights' },
  // Concurrent streams (docs/decisions/0018-concurrent-streams.md).
  [-9003]: { status: 400, message: 'Invalid stream limit', reachable: 'token' },
  [-9004]: { status: 403, message: 'Too many simultaneous streams', reachable: 'rights' },
  [-9005]: { status: 403, message: 'Stream stopped', reachable: 'rights' },
  [-9006]: { status: 400, message: 'Invalid device limit', reachable: 'token' },
  [-9007]: { status: 403, message: 'Too many devices', reachable: 'rights' },
  // -100xx: multi-key tokens, which ExpressPlay does not offer: this project's own range (docs/decisions/0016-multi-key-tokens.md).
  [-10001]: { status: 400, message: 'Invalid key entry', reachable: 'token' },
  [-10002]: { status: 400, message: 'Single-key and multi-key parameters mixed', reachable: 'token' },
  [-10003]: { status: 400, message: 'Duplicate key ID', reachable: 'token' },
  [-10004]: { status: 400, message: 'Invalid track policy', reachable: 'token' },
  [-10005]: { status: 400, message: 'Asset ID not in token', reachable: 'rights' },
  [-10006]: { status: 400, message: 'Invalid maximum resolution', reachable: 'token' },
  // -110xx: offline (persistent) licenses, which ExpressPlay does not offer: this project's own range
  // (docs/decisions/0022-offline-licenses.md).
  [-11001]: { status: 400, message: 'Invalid persistence parameter', reachable: 'token' },
  [-11002]: { status: 403, message: 'Offline license not allowed by the token', reachable: 'rights' },
} as const satisfies Record<number, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export function isErrorCode(code: number): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CATALOG, code);
}
