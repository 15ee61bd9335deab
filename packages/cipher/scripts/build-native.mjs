// Compiles native/cipher.c with the node-gyp that npm bundles, against the Node headers npm is configured with
// (npm sets npm_config_nodedir and puts node-gyp on the PATH of every script). A failed compile fails the build:
// a slower server should be a decision, not an accident. OPENPLAY_NATIVE=off skips it (see the README).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

if (process.env.OPENPLAY_NATIVE === 'off') {
  rmSync(new URL('../build', import.meta.url), { recursive: true, force: true });
  console.log('@openplay/cipher: OPENPLAY_NATIVE=off, not compiling the addon (node:crypto will be used)');
  process.exit(0);
}
const result = spawnSync('node-gyp', ['rebuild', '--silent'], { cwd: new URL('..', import.meta.url), stdio: 'inherit', shell: false });
if (result.status !== 0) {
  console.error('@openplay/cipher: compiling the native addon failed (set OPENPLAY_NATIVE=off to build without it)');
  process.exit(result.status ?? 1);
}
