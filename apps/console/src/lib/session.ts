// Who is logged in. The credential lives in sessionStorage only (gone with the tab), never in localStorage or a
// cookie, so that it is not sent anywhere the console does not send it itself.

export type Role = 'operator' | 'customer';

export interface Credential {
  role: Role;
  /** The admin API key (operator) or the customer authenticator `<account>,<32 hex>`. */
  secret: string;
  /** The customer's account number; null for an operator. */
  account: number | null;
}

const STORAGE_KEY = 'openplay.console.credential';
const AUTHENTICATOR = /^(\d{1,10}),[0-9a-fA-F]{32}$/;

/** A customer authenticator has its fixed shape; anything else is taken as the admin key. */
export function credentialFrom(input: string): Credential | null {
  const secret = input.trim();
  if (secret === '') return null;
  const match = AUTHENTICATOR.exec(secret);
  return match ? { role: 'customer', secret, account: Number(match[1]) } : { role: 'operator', secret, account: null };
}

export function saveCredential(storage: Storage, credential: Credential): void {
  storage.setItem(STORAGE_KEY, credential.secret);
}

export function loadCredential(storage: Storage): Credential | null {
  return credentialFrom(storage.getItem(STORAGE_KEY) ?? '');
}

export function forgetCredential(storage: Storage): void {
  storage.removeItem(STORAGE_KEY);
}
