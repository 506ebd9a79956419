import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { composeFile } from './paths.js';

const checkoutCompose = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'compose',
  'docker-compose.yml',
);

describe('composeFile', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tmp = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-paths-'));
    dirs.push(dir);
    return dir;
  };

  it("finds the checkout's compose file by walking up from this module", () => {
    expect(composeFile({})).toBe(checkoutCompose);
  });

  it('walks up from a nested folder (dist/main/stack) to the first compose/ folder', () => {
    const root = tmp();
    mkdirSync(path.join(root, 'compose'));
    writeFileSync(path.join(root, 'compose', 'docker-compose.yml'), 'services: {}\n');
    const nested = path.join(root, 'dist', 'main', 'stack');
    mkdirSync(nested, { recursive: true });
    expect(composeFile({}, { from: nested })).toBe(path.join(root, 'compose', 'docker-compose.yml'));
  });

  it("uses the packaged app's resources: <resources>/stack/compose/docker-compose.yml", () => {
    const resources = path.join(tmp(), 'LLM Gateway', 'resources');
    expect(composeFile({}, { resourcesPath: resources })).toBe(
      path.join(resources, 'stack', 'compose', 'docker-compose.yml'),
    );
  });

  it('LLMGW_COMPOSE_FILE wins over the packaged resources and the walk-up', () => {
    const env = { LLMGW_COMPOSE_FILE: 'custom/compose.yml' };
    expect(composeFile(env, { resourcesPath: '/opt/LLM Gateway/resources' })).toBe(path.resolve('custom/compose.yml'));
    expect(composeFile(env)).toBe(path.resolve('custom/compose.yml'));
  });

  it('ignores an empty resources path (plain Node, unpackaged Electron)', () => {
    expect(composeFile({}, { resourcesPath: '' })).toBe(checkoutCompose);
    expect(composeFile({}, { resourcesPath: undefined })).toBe(checkoutCompose);
  });
});
