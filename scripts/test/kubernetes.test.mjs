// The Kubernetes manifests (deploy/kubernetes), checked without a cluster: every object against the Kubernetes API's
// own schemas (kubernetes-models validates with the schemas of the API's OpenAPI document), then what makes them
// work with these apps: probes on the health routes, ports the apps listen on, settings the apps know, selectors and
// autoscaler targets that name real objects, images built by the repository's Dockerfiles.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, 'deploy/kubernetes');
const files = readdirSync(dir).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml');

function documentsOf(file) {
  const documents = parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'));
  for (const document of documents) assert.deepEqual(document.errors, [], `${file}: YAML errors`);
  return documents.map((document) => document.toJS()).filter((object) => object !== null);
}

const objects = files.flatMap((file) => documentsOf(file).map((object) => ({ file, object })));
const ofKind = (kind) => objects.map(({ object }) => object).filter((object) => object.kind === kind);

/** The kubernetes-models class of an object: `kubernetes-models/<group>/<version>/<Kind>` (core: `v1/<Kind>`). */
async function modelOf({ apiVersion, kind }) {
  const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
  return module[kind];
}

/** Every setting name the configuration reference documents (the backticked names in its tables' first column). */
function documentedSettings() {
  const names = new Set();
  for (const line of readFileSync(path.join(root, 'docs/configuration.md'), 'utf8').split('\n')) {
    const first = line.startsWith('| `') ? line.split('|')[1] : '';
    for (const [, name] of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(name);
  }
  return names;
}

/** Each app's port (its default, set explicitly in the manifest too) and the Dockerfile that builds its image. */
const APPS = {
  'openplay-token-gen': { port: 8080, dockerfile: 'apps/token-gen/Dockerfile' },
  'openplay-rights': { port: 8081, dockerfile: 'apps/rights/Dockerfile' },
};

test('kustomization lists exactly the manifests in the folder', () => {
  const [kustomization] = documentsOf('kustomization.yaml');
  assert.deepEqual([...kustomization.resources].sort(), [...files].sort());
});

test('every object is valid against the Kubernetes API schemas', async () => {
  assert.ok(objects.length >= 10, `found ${objects.length} objects`);
  for (const { file, object } of objects) {
    const Model = await modelOf(object);
    assert.doesNotThrow(() => new Model(object).validate(), `${file}: ${object.kind} ${object.metadata?.name}`);
  }
});

test('the schema check catches a wrong object', async () => {
  const [deployment] = ofKind('Deployment');
  const broken = structuredClone(deployment);
  broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
  const Model = await modelOf(broken);
  assert.throws(() => new Model(broken).validate(), /containerPort must be integer/);
  delete broken.spec.selector;
  assert.throws(() => new Model(broken).validate(), /selector/);
});

test('each app: a Deployment, Service, autoscaler and disruption budget that fit together', () => {
  const deployments = ofKind('Deployment');
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), Object.keys(APPS).sort());
  for (const deployment of deployments) {
    const name = deployment.metadata.name;
    const { port, dockerfile } = APPS[name];
    const labels = deployment.spec.template.metadata.labels;
    const matches = (selector) => Object.entries(selector).every(([key, value]) => labels[key] === value);
    assert.ok(matches(deployment.spec.selector.matchLabels), `${name}: its selector matches its pods`);

    const [container] = deployment.spec.template.spec.containers;
    assert.deepEqual(container.ports, [{ name: 'http', containerPort: port }]);
    assert.equal(container.readinessProbe.httpGet.path, '/health/ready');
    assert.equal(container.livenessProbe.httpGet.path, '/health');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      assert.equal(probe.httpGet.port, 'http');
    }
    assert.ok(container.resources.requests.cpu, `${name}: the autoscaler needs a CPU request`);
    assert.equal(container.image, name, `${name}: the image kustomization.yaml tells how to set`);
    assert.ok(existsSync(path.join(root, dockerfile)), `${name}: ${dockerfile} builds its image`);

    const services = ofKind('Service').filter((s) => s.metadata.name === name);
    assert.equal(services.length, 1, `${name}: one Service`);
    assert.ok(matches(services[0].spec.selector), `${name}: the Service selects its pods`);
    assert.equal(services[0].spec.ports[0].port, port);

    const autoscalers = ofKind('HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === name);
    assert.equal(autoscalers.length, 1, `${name}: one autoscaler`);
    assert.equal(autoscalers[0].spec.scaleTargetRef.kind, 'Deployment');
    assert.equal(autoscalers[0].spec.metrics[0].resource.name, 'cpu');

    const budgets = ofKind('PodDisruptionBudget').filter((b) => matches(b.spec.selector.matchLabels));
    assert.equal(budgets.length, 1, `${name}: one disruption budget`);
  }
});

test('every setting the manifests give is one the apps document', () => {
  const known = documentedSettings();
  assert.ok(known.has('DATABASE_URL') && known.has('WIDEVINE_RENEWAL_SECRET'), 'read the configuration tables');
  const [config] = ofKind('ConfigMap');
  const given = [
    ...Object.keys(config.data),
    ...objects.flatMap(({ object }) =>
      (object.spec?.template?.spec.containers ?? []).flatMap((c) => (c.env ?? []).map((e) => e.name)),
    ),
  ];
  for (const name of given) assert.ok(known.has(name), `${name} is not a documented setting`);
  // Production refuses the development defaults: the secrets come from a Secret, never from the manifests.
  for (const secret of [
    'DATABASE_URL',
    'TOKEN_KEYS',
    'AUTHENTICATOR_PEPPER',
    'ADMIN_API_KEY',
    'WIDEVINE_RENEWAL_SECRET',
  ]) {
    assert.ok(!(secret in config.data), `${secret} must not be in the ConfigMap`);
  }
  assert.equal(config.data.ENVIRONMENT, 'production');
  assert.equal(ofKind('Secret').length, 0, 'no Secret is committed');
});

test('the migration job runs the repository migration script with the token-gen image', () => {
  const [job] = ofKind('Job');
  const [container] = job.spec.template.spec.containers;
  assert.equal(container.image, 'openplay-token-gen');
  const script = container.command.at(-1);
  assert.ok(existsSync(path.join(root, script)), `${script} exists`);
  assert.match(readFileSync(path.join(root, 'apps/token-gen/Dockerfile'), 'utf8'), /COPY --from=build \/app\/prisma/);
  assert.equal(container.env[0].valueFrom.secretKeyRef.key, 'DATABASE_URL');
});
