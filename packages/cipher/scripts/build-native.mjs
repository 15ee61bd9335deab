// Compiles native/cipher.c with the node-gyp that npm bundles, against the Node headers npm is configured with
// (npm sets npm_config_nodedir and puts node-gyp on the PATH of every script). OPENPLAY_NATIVE (see the README):
// auto (default) warns and continues when the compile fails (the apps then run on node:crypto); required fails the
// build; off does not compile, and removes any addon built before, so that nothing loads it.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const buildDir = new URL('../build', import.meta.url);
const setting = (process.env.OPENPLAY_NATIVE ?? '').trim() || 'auto';
if (!['auto', 'required', 'off'].includes(setting)) {
  console.error(
    `@openplay/cipher: OPENPLAY_NATIVE must be auto, required or off (got ${JSON.stringify(process.env.OPENPLAY_NATIVE)})`,
  );
  process.exit(2);
}
if (setting === 'off') {
  rmSync(buildDir, { recursive: true, force: true });
  console.log('@openplay/cipher: OPENPLAY_NATIVE=off, not compiling the addon (node:crypto will be used)');
  process.exit(0);
}
const result = spawnSync('node-gyp', ['rebuild', '--silent'], {
  cwd: new URL('..', import.meta.url),
  stdio: 'inherit',
  shell: false,
});
if (result.status !== 0) {
  const why = result.error ? result.error.message : `node-gyp exited with ${result.status ?? result.signal}`;
  if (setting === 'required') {
    console.error(
      `@openplay/cipher: compiling the native addon failed (${why}) and OPENPLAY_NATIVE=required; it needs python3, make and a C compiler`,
    );
    process.exit(result.status || 1);
  }
  // A half-built addon must not be found at run time.
  rmSync(buildDir, { recursive: true, force: true });
  console.warn(
    `@openplay/cipher: WARNING: compiling the native addon failed (${why}); continuing without it. ` +
      'The apps will run symmetric crypto on node:crypto (slower; see packages/cipher/README.md). ' +
      'Install python3, make and a C compiler and rebuild, or set OPENPLAY_NATIVE=required to make this an error.',
  );
}
