#!/usr/bin/env node
// Writes apps/rights/dev/widevine/: the development Widevine PKI that `npm start` (test environment) and
// `npm run smoke` use. Public test material: a test root, a service certificate and its key, a devices list and
// one `.wvd` device, all built by the drm package's test PKI (packages/drm/src/testing/widevine/test-pki.ts),
// transpiled in memory with the repository's TypeScript, so nothing is added to the dependencies.
//
//   node scripts/dev-widevine-pki.mjs            re-issues everything under the committed root key (same root)
//   node scripts/dev-widevine-pki.mjs --new-root also replaces the root key; then update
//                                                DEVELOPMENT_WIDEVINE_ROOT_FINGERPRINT in apps/rights/src/drm/drm.module.ts
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const out = path.join(root, 'apps/rights/dev/widevine');

/** The development device: its system id and what devices.json says of it. */
const DEV_SYSTEM_ID = 7000;

/** Loads a TypeScript module of this repository (CommonJS output, its own imports resolved from its folder). */
function loadTs(file) {
  const ts = require('typescript');
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: file,
  });
  const module = new Module(file);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  module._compile(outputText, file);
  return module.exports;
}

async function main() {
  const pki = loadTs(path.join(root, 'packages/drm/src/testing/widevine/test-pki.ts'));
  mkdirSync(out, { recursive: true });
  const rootKeyFile = path.join(out, 'root-key.pem');
  let rootKeys;
  if (existsSync(rootKeyFile) && !process.argv.includes('--new-root')) {
    const privateKey = createPrivateKey(readFileSync(rootKeyFile));
    rootKeys = { privateKey, publicKey: createPublicKey(privateKey) };
  } else {
    rootKeys = await pki.rsa();
    writeFileSync(rootKeyFile, rootKeys.privateKey.export({ type: 'pkcs1', format: 'pem' }));
  }
  const testRoot = await pki.createRoot(rootKeys);
  const service = await pki.createServiceCertificate(testRoot, 'license.openplay.dev');
  const model = await pki.createModel(testRoot, DEV_SYSTEM_ID);
  const device = await pki.createDevice(model);
  // The .wvd header's level is informative (the client ignores it); the server takes the level from devices.json.
  const wvd = pki.wvd(device.keys.privateKey, device.clientId, 2, 1);

  writeFileSync(path.join(out, 'root.bin'), testRoot.certificate);
  writeFileSync(path.join(out, 'service.bin'), service.certificate);
  writeFileSync(path.join(out, 'service-key.pem'), service.privateKeyPem);
  writeFileSync(
    path.join(out, 'devices.json'),
    `${JSON.stringify({ [DEV_SYSTEM_ID]: { level: 'L1', status: 'valid' } }, null, 2)}\n`,
  );
  writeFileSync(path.join(out, 'device.wvd'), wvd);

  const publicKeyDer = rootKeys.publicKey.export({ type: 'pkcs1', format: 'der' });
  const fingerprint = createHash('sha256').update(publicKeyDer).digest('hex');
  process.stdout.write(
    `wrote ${path.relative(root, out)}/{root.bin,root-key.pem,service.bin,service-key.pem,devices.json,device.wvd}\n` +
      `root fingerprint (SHA-256 of its PKCS#1 public key): ${fingerprint}\n` +
      `device system id ${DEV_SYSTEM_ID} (L1)\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`dev-widevine-pki: ${error?.stack ?? error}\n`);
  process.exit(1);
});
