// The packaged app's paths with the REAL main.ts: app.isPackaged true and a resources folder laid out as
// electron-builder's extraResources put it (tray/ from build/tray, stack/ from the staging step). The shell must load
// its tray icons from <resources>/tray and run compose from its copy of <resources>/stack in LLMGW_HOME, and, without
// a renderer build inside the app, show the built-in page. Run as macOS to cover the template icons and login items.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { stageStack } from '../../scripts/packaging/stage.mjs';
import { CONTENT_SECURITY_POLICY } from '../../main/electron-main/security-policy.js';
import { newLaunch, resetLaunches, type ElectronDouble } from './electron-double.js';
import { eventually, lastPlane, launch, planes, started, tempHome } from './launch.js';

vi.mock('electron', async () => (await import('./electron-double.js')).currentLaunchModule());
vi.mock('../../main/control/api.js', async (importOriginal) =>
  (await import('./launch.js')).controlPlaneSpy(importOriginal),
);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
const hadResourcesPath = 'resourcesPath' in process;
let upstream: OllamaUpstream;
let home: string;
let resources: string;
let d: ElectronDouble;

beforeAll(async () => {
  resetLaunches();
  upstream = await startOllamaUpstream();
  ({ home } = tempHome({ mode: 'embedded', ollamaUrl: upstream.url }));
  resources = path.join(path.dirname(home), 'resources');
  mkdirSync(path.join(resources, 'tray'), { recursive: true });
  // electron-builder.yml: `from: build/tray, to: tray, filter: ["*.png"]` and `from: release/stack, to: stack`.
  for (const f of readdirSync(path.join(ROOT, 'build', 'tray')).filter((n) => n.endsWith('.png'))) {
    cpSync(path.join(ROOT, 'build', 'tray', f), path.join(resources, 'tray', f));
  }
  stageStack({ stage: path.join(resources, 'stack') });
  Object.defineProperty(process, 'resourcesPath', { value: resources, configurable: true, writable: true });
  Object.defineProperty(process, 'platform', { ...platform, value: 'darwin' });
  d = newLaunch({ appPath: path.join(resources, 'app.asar'), isPackaged: true });
  await launch(d);
  await started(d);
});

afterAll(async () => {
  Object.defineProperty(process, 'platform', platform);
  if (!hadResourcesPath) delete (process as { resourcesPath?: string }).resourcesPath;
  for (const { plane } of planes.planes) await plane.close().catch(() => undefined);
  await upstream?.close();
  rmSync(path.dirname(home), { recursive: true, force: true });
  resetLaunches();
});

describe('packaged app', () => {
  it('loads the tray icons from <resources>/tray, as macOS template images', async () => {
    const first = d.tray.images[0]!;
    expect(first.path).toBe(path.join(resources, 'tray', 'tray-stoppedTemplate.png'));
    expect(first.isEmpty()).toBe(false);
    // After the first state update: the icon from update(), marked as a template for the menu bar.
    await eventually(() => expect(d.tray.images.length).toBeGreaterThan(1));
    expect(d.tray.image.path).toBe(path.join(resources, 'tray', 'tray-stoppedTemplate.png'));
    expect(d.tray.image.template).toBe(true);
  });

  it('runs compose from its copy of <resources>/stack in LLMGW_HOME', () => {
    const env = planes.planes.at(-1)!.options.env!;
    const compose = path.join(home, 'stack', 'compose', 'docker-compose.yml');
    expect(env.LLMGW_COMPOSE_FILE).toBe(compose);
    expect(existsSync(compose)).toBe(true);
    expect(process.env.LLMGW_COMPOSE_FILE).toBeUndefined(); // the app's own env, not the user's, carries it
  });

  it('uses login items (macOS), off by default, and follows the setting', async () => {
    expect(d.app.loginItemSettings).toEqual([{ openAtLogin: false }]);
    await lastPlane().api['settings.update']({ startAtLogin: true });
    await eventually(() => expect(d.app.loginItemSettings.at(-1)).toEqual({ openAtLogin: true }));
  });

  it('shows the built-in page when the app carries no renderer build', () => {
    d.tray.menu!.click('open-dashboard');
    const url = d.windows[0]!.loaded[0]!;
    expect(url).toBe(`file://${path.join(home, 'ui', 'index.html')}`);
    // The page sets the CSP itself (a file:// page may not get the header), minus what a <meta> policy cannot set,
    // and has nothing inline for that policy to block.
    const html = readFileSync(path.join(home, 'ui', 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(meta?.split('; ')).toEqual(
      CONTENT_SECURITY_POLICY.split('; ').filter((p) => !p.startsWith('frame-ancestors')),
    );
    expect(html).not.toMatch(/<style|<script|\sstyle=|\son\w+=/i);
  });
});
