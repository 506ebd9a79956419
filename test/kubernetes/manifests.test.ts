// The Kubernetes manifests (kubernetes/), rendered per overlay and checked against the pinned Kubernetes schemas, then
// against what the gateway needs: probes on its health endpoints, a grace period that covers SHUTDOWN_TIMEOUT_MS,
// budgets and autoscaling that select the gateway, secrets as files, and network policies that admit only the ingress
// to the gateway and only the gateway to PostgreSQL, Redis and Ollama.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { render, type Manifest } from './render.js';
import { validateManifest } from './validate.js';

const ROOT = path.resolve('kubernetes');
const OVERLAYS = ['external-ollama', 'in-cluster-ollama'] as const;
const rendered = Object.fromEntries(
  OVERLAYS.map((overlay) => [overlay, render(path.join(ROOT, 'overlays', overlay), { exampleSecrets: true })]),
) as Record<(typeof OVERLAYS)[number], Manifest[]>;

const find = (objects: Manifest[], kind: string, name: string): Manifest => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not rendered`);
  return found;
};

interface Container {
  name: string;
  image: string;
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { limits?: Record<string, unknown> };
}
const podSpec = (o: Manifest) =>
  (o.spec as { template: { spec: { containers: Container[]; terminationGracePeriodSeconds?: number } } }).template.spec;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-k8s-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kubernetes manifests', () => {
  for (const overlay of OVERLAYS) {
    it(`${overlay}: every rendered object is valid against the Kubernetes schemas`, async () => {
      const objects = rendered[overlay];
      expect(objects.length).toBeGreaterThan(15);
      for (const object of objects) await validateManifest(object);
      for (const object of objects.filter((o) => o.kind !== 'Namespace'))
        expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('llm-gateway');
    });
  }

  it('the gateway: probes on /health/ready and /health, grace period covering preStop + SHUTDOWN_TIMEOUT_MS', () => {
    const objects = rendered['external-ollama'];
    const deployment = find(objects, 'Deployment', 'gateway');
    const spec = podSpec(deployment);
    const gateway = spec.containers[0]!;
    expect(gateway.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(gateway.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    const config = find(objects, 'ConfigMap', 'llm-gateway-config').data as Record<string, string>;
    const shutdownS = Number(config.SHUTDOWN_TIMEOUT_MS) / 1000;
    const preStopS = Number(gateway.lifecycle?.preStop?.exec?.command[1]);
    expect(gateway.lifecycle?.preStop?.exec?.command[0]).toBe('sleep');
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStopS + shutdownS + 5);
    expect(gateway.envFrom).toEqual([{ configMapRef: { name: 'llm-gateway-config' } }]);
    // Secrets as files: no secret value in the environment, the *_FILE variables point into the mounted Secret.
    const env = Object.fromEntries((gateway.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      DATABASE_URL_FILE: '/run/secrets/llmgw/DATABASE_URL',
      REDIS_URL_FILE: '/run/secrets/llmgw/REDIS_URL',
      ADMIN_TOKEN_FILE: '/run/secrets/llmgw/ADMIN_TOKEN',
    });
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN']) expect(env).not.toHaveProperty(name);
    // The overlay's image and Ollama hosts.
    expect(gateway.image).toBe('registry.example.com/llm-gateway/api-gateway:1.0.0');
    expect(config.OLLAMA_URLS).toBe('http://gpu-1.internal:11434,http://gpu-2.internal:11434');
    const secret = find(objects, 'Secret', 'llm-gateway-secrets').data as Record<string, string>;
    expect(Object.keys(secret).sort()).toEqual([
      'ADMIN_TOKEN',
      'DATABASE_URL',
      'POSTGRES_DB',
      'POSTGRES_PASSWORD',
      'POSTGRES_USER',
      'REDIS_PASSWORD',
      'REDIS_URL',
    ]);
  });

  it('PDB, HPA and Service select the gateway Deployment; the Ingress routes to that Service', () => {
    const objects = rendered['external-ollama'];
    const deployment = find(objects, 'Deployment', 'gateway');
    const labels = (deployment.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
      .labels;
    const pdb = find(objects, 'PodDisruptionBudget', 'gateway').spec as {
      selector: { matchLabels: Record<string, string> };
    };
    expect(pdb.selector.matchLabels).toEqual(labels);
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'gateway').spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
    };
    expect(hpa.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gateway' });
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
    const service = find(objects, 'Service', 'gateway').spec as { selector: Record<string, string> };
    expect(service.selector).toEqual(labels);
    const ingress = find(objects, 'Ingress', 'gateway').spec as {
      rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }>;
    };
    expect(ingress.rules[0]!.http.paths[0]!.backend.service).toEqual({ name: 'gateway', port: { name: 'http' } });
  });

  it('network policies: deny by default; ingress → gateway; gateway → PostgreSQL, Redis, Ollama; nothing else', () => {
    const objects = rendered['in-cluster-ollama'];
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const deny = find(objects, 'NetworkPolicy', 'default-deny-ingress').spec as Record<string, unknown>;
    expect(deny).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    type Peer = { podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown };
    const admitted = (component: string) => {
      const rules = policies
        .map(
          (p) => p.spec as { podSelector: { matchLabels?: Record<string, string> }; ingress?: Array<{ from: Peer[] }> },
        )
        .filter((s) => s.podSelector.matchLabels?.['app.kubernetes.io/component'] === component);
      return rules.flatMap((s) => s.ingress ?? []).flatMap((rule) => rule.from);
    };
    expect(admitted('gateway')).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
    const fromGateway = [
      {
        podSelector: {
          matchLabels: { 'app.kubernetes.io/name': 'llm-gateway', 'app.kubernetes.io/component': 'gateway' },
        },
      },
    ];
    for (const component of ['postgres', 'redis', 'ollama'])
      expect(admitted(component), component).toEqual(fromGateway);
  });

  it('in-cluster Ollama requests a GPU and is what the gateway calls', () => {
    const objects = rendered['in-cluster-ollama'];
    const ollama = podSpec(find(objects, 'Deployment', 'ollama')).containers[0]!;
    expect(ollama.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    const config = find(objects, 'ConfigMap', 'llm-gateway-config').data as Record<string, string>;
    expect(config.OLLAMA_URLS).toBe('http://ollama:11434');
    find(objects, 'Service', 'ollama');
    expect(rendered['external-ollama'].some((o) => o.metadata.name === 'ollama')).toBe(false);
  });

  it('a broken manifest fails: a wrong type, a missing required field, an unknown kind', async () => {
    const broken = path.join(tmp, 'broken');
    cpSync(ROOT, broken, { recursive: true });
    const gatewayFile = path.join(broken, 'base', 'gateway.yaml');
    const gateway = render(path.join(broken, 'overlays', 'external-ollama'), { exampleSecrets: true });
    const deployment = structuredClone(find(gateway, 'Deployment', 'gateway'));
    (deployment.spec as { replicas: unknown }).replicas = 'three';
    await expect(validateManifest(deployment)).rejects.toThrow(/replicas must be integer/);
    const noImage = structuredClone(find(gateway, 'Deployment', 'gateway'));
    delete (podSpec(noImage).containers[0] as Partial<Container>).name;
    await expect(validateManifest(noImage)).rejects.toThrow(/containers\/0 must have required property name/);
    await expect(validateManifest({ apiVersion: 'apps/v1', kind: 'Deploymnet' })).rejects.toThrow(/no such kind/);
    // The same through the files: a port written as text fails validation after rendering.
    writeFileSync(
      gatewayFile,
      (await import('node:fs'))
        .readFileSync(gatewayFile, 'utf8')
        .replace('containerPort: 3000', "containerPort: 'http'"),
    );
    const objects = render(path.join(broken, 'overlays', 'external-ollama'), { exampleSecrets: true });
    await expect(validateManifest(find(objects, 'Deployment', 'gateway'))).rejects.toThrow(
      /containerPort must be integer/,
    );
  });

  it('the renderer refuses what it cannot follow: an unknown kustomization field, a patch of nothing', () => {
    const dir = path.join(tmp, 'unknown');
    cpSync(path.join(ROOT), dir, { recursive: true });
    const overlay = path.join(dir, 'overlays', 'external-ollama');
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\ncommonLabels: {a: b}\n',
    );
    expect(() => render(overlay, { exampleSecrets: true })).toThrow(/commonLabels/);
    writeFileSync(
      path.join(overlay, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\npatches: [{path: p.yaml}]\n',
    );
    writeFileSync(path.join(overlay, 'p.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nope}\n');
    expect(() => render(overlay, { exampleSecrets: true })).toThrow(/ConfigMap\/nope, which is not rendered/);
  });
});
