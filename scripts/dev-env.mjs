// The development DRM credentials of the test environment, as `npm start` and the fault suite give them to the apps.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Fills in `env` (ENVIRONMENT=test only) the credentials it leaves unset; returns `env`. */
export function withDevelopmentCredentials(env) {
  if (env.ENVIRONMENT !== 'test') return env;
  // FairPlay out of the box in the test environment: Apple's public development credentials (FPS Server SDK),
  // which answer Apple's test SPCs only; real devices need your own deployment package. Production refuses them.
  if (!env.FAIRPLAY_CREDENTIALS)
    env.FAIRPLAY_CREDENTIALS = path.join(root, 'apps/rights/test/fixtures/fairplay/credentials.json');
  // Widevine likewise: the development PKI of apps/rights/dev/widevine (a test root of ours, its service certificate,
  // a devices list naming the development device that `npm run smoke` plays with). Production refuses that root.
  const dev = (file) => path.join(root, 'apps/rights/dev/widevine', file);
  if (!env.WIDEVINE_TRUSTED_ROOTS) env.WIDEVINE_TRUSTED_ROOTS = dev('root.bin');
  // The service certificate is signed by the development root: only useful while that root is trusted.
  const devRootTrusted = env.WIDEVINE_TRUSTED_ROOTS.split(',').some(
    (file) => path.resolve(root, file.trim()) === dev('root.bin'),
  );
  if (devRootTrusted && !env.WIDEVINE_SERVICE_CERTIFICATE && !env.WIDEVINE_SERVICE_PRIVATE_KEY) {
    env.WIDEVINE_SERVICE_CERTIFICATE = dev('service.bin');
    env.WIDEVINE_SERVICE_PRIVATE_KEY = dev('service-key.pem');
  }
  if (!env.WIDEVINE_DEVICES) env.WIDEVINE_DEVICES = dev('devices.json');
  return env;
}
