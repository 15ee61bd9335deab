/** Query and form parameters whose values are secrets: authenticators, keys, tokens. */
export const SECRET_PARAMS = ['customerAuthenticator', 'contentKey', 'kek', 'ek', 'k', 'ExpressPlayToken', 'spc'] as const;

const SECRET_PARAM = new RegExp(`([?&](?:${SECRET_PARAMS.join('|')})=)[^&#]*`, 'g');

/** The URL with every secret parameter's value replaced, so that access logs can keep the rest. */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_PARAM, '$1[redacted]') : url;
}

