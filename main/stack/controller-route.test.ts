// The controller's Ollama route: the stack.env value and the caller's OLLAMA_URLS feed the per-platform decision,
// and asking never creates stack.env (status and the health monitor ask often).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StackController } from './controller.js';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});
const tmpHome = () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-route-'));
  homes.push(home);
  return home;
};

describe('StackController.ollamaRoute', () => {
  it('Docker Desktop: direct, from the default when there is no stack.env, which it does not create', async () => {
    const home = tmpHome();
    const route = await new StackController({ home, env: {}, platform: 'darwin' }).ollamaRoute();
    expect(route).toMatchObject({
      urls: ['http://host.docker.internal:11434'],
      forwarder: null,
      hostGateway: 'host-gateway',
    });
    expect(existsSync(path.join(home, 'stack.env'))).toBe(false);
  });

  it("the caller's OLLAMA_URLS wins over stack.env", async () => {
    const home = tmpHome();
    writeFileSync(path.join(home, 'stack.env'), 'OLLAMA_URLS=http://10.0.0.5:11434\n');
    expect((await new StackController({ home, env: {}, platform: 'win32' }).ollamaRoute()).urls).toEqual([
      'http://10.0.0.5:11434',
    ]);
    const override = await new StackController({
      home,
      env: { OLLAMA_URLS: 'http://a:1,http://b:2' },
      platform: 'win32',
    }).ollamaRoute();
    expect(override.urls).toEqual(['http://a:1', 'http://b:2']);
  });
});
