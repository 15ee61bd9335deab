import { join } from 'node:path';

/** The package's test fixtures; from src/testing and dist/testing alike, they are two levels up. */
const FIXTURES = join(__dirname, '../../test/fixtures');

/** Apple's FPS Server SDK vectors, its development credentials and synthetic certificates (see its README). */
export const FAIRPLAY_FIXTURES_DIR = join(FIXTURES, 'fairplay');

/** Cached RSA-2048 key pairs (PKCS#8 PEM, `{"keys": [...]}`) for the Widevine test PKI; generate-keys.js makes them. */
export const WIDEVINE_TEST_KEYS_FILE = join(FIXTURES, 'widevine/test-keys.json');
