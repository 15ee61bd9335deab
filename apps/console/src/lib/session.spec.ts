import { credentialFrom, forgetCredential, loadCredential, saveCredential } from './session';

/** sessionStorage's interface over a Map (jest runs in node). */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (key) => void map.delete(key),
    setItem: (key, value) => void map.set(key, value),
  };
}

describe('credentials', () => {
  it('takes the authenticator shape as a customer, anything else as the admin key', () => {
    expect(credentialFrom(' 431907,00112233445566778899aabbccddeeff\n')).toEqual({
      role: 'customer',
      secret: '431907,00112233445566778899aabbccddeeff',
      account: 431907,
    });
    expect(credentialFrom('test-admin-key-0123456789abcdef')).toEqual({
      role: 'operator',
      secret: 'test-admin-key-0123456789abcdef',
      account: null,
    });
    // Close to an authenticator but not one (31 hex digits): the admin key, which the API then refuses.
    expect(credentialFrom('431907,00112233445566778899aabbccddeef')?.role).toBe('operator');
    expect(credentialFrom('   ')).toBeNull();
  });

  it('keeps the secret in the given storage and forgets it', () => {
    const storage = memoryStorage();
    expect(loadCredential(storage)).toBeNull();
    saveCredential(storage, credentialFrom('431907,00112233445566778899aabbccddeeff')!);
    expect(loadCredential(storage)).toMatchObject({ role: 'customer', account: 431907 });
    forgetCredential(storage);
    expect(loadCredential(storage)).toBeNull();
    expect(storage.length).toBe(0);
  });
});
