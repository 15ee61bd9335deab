import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/*
 * Builds native/cipher-fuzz.c with cipher-core.c and rsa-core.c (the code the addon runs) under AddressSanitizer and
 * UndefinedBehaviorSanitizer against the system's OpenSSL 3, and runs a bounded number of random inputs. It needs
 * gcc and the OpenSSL headers (Debian: gcc libssl-dev; .ci/run installs them): without them this fails, it does not
 * skip.
 */

const NATIVE = path.join(__dirname, '..', 'native');
const ITERATIONS = 20_000;
const TOOLCHAIN =
  'the cipher fuzz test needs gcc and the OpenSSL 3 headers and libcrypto (Debian/Ubuntu: apt-get install gcc libssl-dev)';
const SANITIZERS = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'];

function run(
  command: string,
  args: string[],
  options: { input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {},
) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
    input: options.input,
    env: options.env ?? process.env,
  });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
    stdout: result.stdout ?? '',
  };
}

describe('cipher-core.c and rsa-core.c under AddressSanitizer and UBSan', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cipher-fuzz-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has its toolchain: gcc, and OpenSSL 3 headers with libcrypto', () => {
    const gcc = run('gcc', ['--version']);
    if (gcc.status !== 0) throw new Error(`${TOOLCHAIN}: gcc did not run (${gcc.output.trim()})`);
    const probe =
      '#include <openssl/evp.h>\n#if OPENSSL_VERSION_MAJOR < 3\n#error OpenSSL 3 needed\n#endif\nint main(void) { return EVP_aes_256_gcm() == 0; }\n';
    const linked = run('gcc', ['-x', 'c', '-', '-lcrypto', '-o', path.join(dir, 'probe')], { input: probe });
    if (linked.status !== 0) throw new Error(`${TOOLCHAIN}: ${linked.output.trim()}`);
  });

  it(`runs ${ITERATIONS} random inputs with no sanitizer report and every result as OpenSSL's EVP computes it`, () => {
    const binary = path.join(dir, 'cipher-fuzz');
    const sources = ['cipher-core.c', 'rsa-core.c', 'cipher-fuzz.c'].map((file) => path.join(NATIVE, file));
    const compiled = run('gcc', [
      '-std=c11',
      '-O1',
      '-g',
      ...SANITIZERS,
      '-Wall',
      '-Wextra',
      '-Werror',
      ...sources,
      '-lcrypto',
      '-o',
      binary,
    ]);
    if (compiled.status !== 0) throw new Error(`compiling the fuzz harness failed (${TOOLCHAIN}):\n${compiled.output}`);

    const seed = String(Date.now());
    const fuzz = run(binary, [String(ITERATIONS), seed], {
      timeout: 90_000,
      env: {
        ...process.env,
        ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1',
        UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
      },
    });
    // The output names the seed: a failure is reproducible with `cipher-fuzz <iterations> <seed>`.
    expect({ status: fuzz.status, output: fuzz.output }).toEqual({
      status: 0,
      output: `cipher-fuzz: ${ITERATIONS} iterations ok (seed ${seed})\n`,
    });
  }, 120_000);
});
