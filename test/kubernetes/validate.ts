// Checks rendered objects against the Kubernetes API schemas that kubernetes-models (pinned in package.json) ships:
// one class per apiVersion/kind, each with the OpenAPI schema's validation. An object of a kind it does not know fails.
export async function validateManifest(object: { apiVersion: string; kind: string }): Promise<void> {
  const group = object.apiVersion.includes('/') ? object.apiVersion : `v1`;
  const specifier = `kubernetes-models/${group === 'v1' ? 'v1' : group}/${object.kind}`;
  let model: new (data: unknown) => { validate(): void };
  try {
    model = ((await import(specifier)) as Record<string, new (data: unknown) => { validate(): void }>)[object.kind]!;
  } catch {
    throw new Error(`${object.apiVersion} ${object.kind}: no such kind in the pinned Kubernetes schemas`);
  }
  if (typeof model !== 'function') throw new Error(`${object.apiVersion} ${object.kind}: no such kind`);
  new model(object).validate();
}
