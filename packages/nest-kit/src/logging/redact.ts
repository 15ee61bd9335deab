/** Query and form parameters whose values are secrets: authenticators, keys, tokens. */
export const SECRET_PARAMS = [
  'customerAuthenticator',
  'contentKey',
  'kek',
  'ek',
  'k',
  'ExpressPlayToken',
  'spc',
] as const;

export const REDACTED = '[redacted]';

// A name is secret whatever its case or what follows the name itself (`kek[]`, `Kek`, ` kek` from `+kek`): the app
// reads exact names only, but a client that misspells one still sent its secret.
const SECRET_NAME = new RegExp(`(?:^|[?&;/\\s])(?:${SECRET_PARAMS.join('|')})(?![A-Za-z0-9_])`, 'i');
// A secret assignment inside decoded text (`x%26kek%3D…`, `/keys/a%3Fkek%3D…`): whatever hides it, the value goes.
const SECRET_ASSIGNMENT = new RegExp(`(?:^|[?&;/\\s])(?:${SECRET_PARAMS.join('|')})(?![A-Za-z0-9_])[^=&;/]*=`, 'i');
// Double (or deeper) encoding is undone this many times; text still encoded after that is treated as unreadable.
const MAX_DECODINGS = 4;

/**
 * The URL with every secret parameter's value replaced, so that access logs can keep the rest. Names are compared
 * as the parser would read them and more: percent-decoded (repeatedly, for double encoding), `+` as a space, in any
 * case, with `&` and `;` both separating parameters. A part that cannot be decoded, or whose decoded name or value
 * carries a secret assignment, is replaced whole. Path segments that decode to a secret assignment go too.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const redactedPath = redactPath(path);
  if (q < 0) return redactedPath;
  return `${redactedPath}?${redactQuery(url.slice(q + 1))}`;
}

function redactPath(path: string): string {
  if (!path.includes('%') && !path.includes(';') && !path.includes('=')) return path;
  return path
    .split('/')
    .map((segment) => {
      const decoded = fullyDecoded(segment);
      return decoded === null || SECRET_ASSIGNMENT.test(`/${decoded}`) ? REDACTED : segment;
    })
    .join('/');
}

function redactQuery(query: string): string {
  return query.replace(/[^&;]+/g, (part) => {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    const name = fullyDecoded(rawName);
    if (name === null || SECRET_ASSIGNMENT.test(name)) return REDACTED;
    if (eq < 0) return part;
    if (SECRET_NAME.test(name)) return `${rawName}=${REDACTED}`;
    const value = fullyDecoded(part.slice(eq + 1));
    return value === null || SECRET_ASSIGNMENT.test(value) ? `${rawName}=${REDACTED}` : part;
  });
}

/** The text percent-decoded until it stops changing (`+` as a space); null when it is malformed or too deep. */
function fullyDecoded(raw: string): string | null {
  let text = raw;
  for (let i = 0; i <= MAX_DECODINGS; i++) {
    const next = decodeOnce(text);
    if (next === null) return null;
    if (next === text) return text;
    text = next;
  }
  return null;
}

function decodeOnce(text: string): string | null {
  const spaced = text.replace(/\+/g, ' ');
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return null;
  }
}
