// Generates the Widevine license protocol's static code and types (generated/, not committed) from
// proto/license_protocol.proto with protobufjs-cli's pbjs and pbts, in-process (they need nothing downloaded).
const fs = require('node:fs');
const path = require('node:path');
const { pbjs, pbts } = require('protobufjs-cli');

const root = path.resolve(__dirname, '..');
const proto = path.join(root, 'proto/license_protocol.proto');
const out = path.join(root, 'generated');
const js = path.join(out, 'license_protocol.js');
fs.mkdirSync(out, { recursive: true });

// --force-number: int64 fields are typed and converted as numbers (the values seen are seconds and times).
// Only encode, decode and toObject are used: no create/verify/delimited/typeurl helpers.
const pbjsArgs = [
  '-t',
  'static-module',
  '-w',
  'commonjs',
  '-r',
  'openplay_widevine',
  '--keep-case',
  '--force-number',
  '--no-create',
  '--no-verify',
  '--no-delimited',
  '--no-service',
  '--no-typeurl',
  '-o',
  js,
  proto,
];

pbjs.main(pbjsArgs, (error) => {
  if (error) fail(error);
  pbts.main(['-o', path.join(out, 'license_protocol.d.ts'), js], (error) => {
    if (error) fail(error);
  });
});

function fail(error) {
  console.error(`generate: ${error.message ?? error}`);
  process.exit(1);
}
