// Renders the kubernetes/ manifests as `kubectl apply -k` would, for the subset of kustomize they use (resources,
// secretGenerator from env files, patches merged by kind and name, images, namespace): neither kustomize nor kubectl
// can be installed here, and the manifests must be checked in `npm test`. Anything outside that subset is refused, so
// a manifest change this renderer cannot follow fails loudly instead of being checked half-way.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { z } from 'zod';

export type Manifest = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string } & Record<string, unknown>;
};

const kustomization = z
  .object({
    apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
    kind: z.literal('Kustomization'),
    namespace: z.string().optional(),
    resources: z.array(z.string()).default([]),
    secretGenerator: z.array(z.object({ name: z.string(), envs: z.array(z.string()).min(1) }).strict()).default([]),
    generatorOptions: z
      .object({ disableNameSuffixHash: z.literal(true) })
      .strict()
      .optional(),
    patches: z.array(z.object({ path: z.string() }).strict()).default([]),
    images: z
      .array(z.object({ name: z.string(), newName: z.string().optional(), newTag: z.string().optional() }).strict())
      .default([]),
  })
  .strict();

const manifest = z
  .object({ apiVersion: z.string(), kind: z.string(), metadata: z.object({ name: z.string() }).loose() })
  .loose();

export interface RenderOptions {
  /** Read `<env file>.example` when a generator's env file is missing (the test: secrets.env is never committed). */
  exampleSecrets?: boolean;
}

export function parseManifests(text: string, source: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    const parsed = manifest.safeParse(value);
    if (!parsed.success)
      throw new Error(`${source} document ${i + 1}: not a Kubernetes object: ${parsed.error.message}`);
    return [parsed.data as Manifest];
  });
}

/** `KEY=value` lines (comments and blank lines skipped), as kustomize reads a generator's env file. */
function readEnvFile(file: string): Record<string, string> {
  const data: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: not KEY=value: ${line}`);
    data[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return data;
}

/** A strategic-merge patch as these manifests use it: maps merge key by key, anything else replaces. */
function merge(target: unknown, patch: unknown): unknown {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) return patch;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) out[key] = merge(out[key], value);
  return out;
}

function podSpecs(object: Manifest): Array<Record<string, unknown>> {
  const spec = object.spec as { template?: { spec?: Record<string, unknown> } } | undefined;
  return spec?.template?.spec ? [spec.template.spec] : [];
}

export function render(dir: string, options: RenderOptions = {}): Manifest[] {
  const file = path.join(dir, 'kustomization.yaml');
  const k = kustomization.parse(parseDocument(readFileSync(file, 'utf8')).toJS());
  let objects: Manifest[] = [];
  for (const resource of k.resources) {
    const full = path.resolve(dir, resource);
    objects.push(
      ...(statSync(full).isDirectory() ? render(full, options) : parseManifests(readFileSync(full, 'utf8'), full)),
    );
  }
  for (const generator of k.secretGenerator) {
    if (!k.generatorOptions?.disableNameSuffixHash)
      throw new Error(`${file}: generated names need generatorOptions.disableNameSuffixHash (the manifests name them)`);
    const data: Record<string, string> = {};
    for (const env of generator.envs) {
      let source = path.resolve(dir, env);
      if (!existsSync(source) && options.exampleSecrets) source = `${source}.example`;
      for (const [key, value] of Object.entries(readEnvFile(source))) data[key] = Buffer.from(value).toString('base64');
    }
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: generator.name }, type: 'Opaque', data });
  }
  for (const { path: patchPath } of k.patches) {
    const full = path.resolve(dir, patchPath);
    for (const patch of parseManifests(readFileSync(full, 'utf8'), full)) {
      const index = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata.name);
      if (index < 0) throw new Error(`${full}: patches ${patch.kind}/${patch.metadata.name}, which is not rendered`);
      objects[index] = merge(objects[index], patch) as Manifest;
    }
  }
  for (const image of k.images) {
    for (const spec of objects.flatMap(podSpecs)) {
      for (const container of [
        ...((spec.containers as Array<{ image?: string }> | undefined) ?? []),
        ...((spec.initContainers as Array<{ image?: string }> | undefined) ?? []),
      ]) {
        const [name, tag] = (container.image ?? '').split(/:(?=[^/]+$)/);
        if (name === image.name) container.image = `${image.newName ?? name}:${image.newTag ?? tag ?? 'latest'}`;
      }
    }
  }
  if (k.namespace) {
    objects = objects.map((o) =>
      o.kind === 'Namespace' ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace } },
    );
  }
  return objects;
}
