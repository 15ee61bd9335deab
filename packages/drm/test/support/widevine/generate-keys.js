#!/usr/bin/env node
// Regenerates test/fixtures/widevine/test-keys.json: throw-away RSA-2048 key pairs (PKCS#1 PEM) from which the
// Widevine specs build their test root, device models, devices and service certificate at test time
// (see world.ts). Only key generation is cached; every certificate is still built and signed by the tests.
// Usage: node packages/drm/test/support/widevine/generate-keys.js
'use strict';
const { generateKeyPairSync } = require('node:crypto');
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const COUNT = 8;
const keys = Array.from({ length: COUNT }, () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
);
const out = join(__dirname, '../../fixtures/widevine/test-keys.json');
writeFileSync(
  out,
  JSON.stringify({ note: 'Test-only RSA keys for the Widevine specs; never trust them.', keys }, null, 2) + '\n',
);
console.log(`wrote ${COUNT} keys to ${out}`);
