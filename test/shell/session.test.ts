// A person's session with the REAL shell (main/electron-main/main.ts and everything it wires) over the Electron test
// double and the real control plane in embedded mode against the test Ollama upstream: first launch, Start from the
// tray, health in icon and tooltip, a key created in the dashboard and copied from the tray, a pull with progress and
// Cancel, the readiness suite, the dashboard window's life, a second launch, and Quit. Along the way: the security of
// what the shell really created, and the preload in a sandbox-like context talking to the main process's handlers.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import {
  BRIDGE_GLOBAL,
  EVENT_CHANNEL,
  OPERATION_NAMES,
  channelFor,
  type BridgeResult,
  type RendererBridge,
} from '../../main/control/bridge.js';
import type { ControlEvent } from '../../main/control/events.js';
import { trayTooltip } from '../../main/control/tray-menu.js';
import { CONTENT_SECURITY_POLICY } from '../../main/electron-main/security-policy.js';
import { SAFE_VAULT_FILE } from '../../main/electron-main/safe-storage-vault.js';
import {
  current,
  newLaunch,
  resetLaunches,
  type ElectronDouble,
  type FakeBrowserWindow,
  recordedEvent,
} from './electron-double.js';
import { eventually, lastPlane, launch, planes, started, tempHome } from './launch.js';
import { loadPreload, PRELOAD_SOURCE } from './preload-loader.js';

vi.mock('electron', async () => (await import('./electron-double.js')).currentLaunchModule());
vi.mock('../../main/control/api.js', async (importOriginal) =>
  (await import('./launch.js')).controlPlaneSpy(importOriginal),
);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let upstream: OllamaUpstream;
let home: string;
let config: string;
let d: ElectronDouble;
let dashboard: FakeBrowserWindow;
let bridge: RendererBridge;
let keyId = '';

const menu = () => {
  const m = d.tray.menu;
  if (!m) throw new Error('the tray has no menu');
  return m;
};
const status = () => lastPlane().state().health.status;

beforeAll(async () => {
  resetLaunches();
  upstream = await startOllamaUpstream();
  ({ home, config } = tempHome({ mode: 'embedded', ollamaUrl: upstream.url }));
  d = newLaunch({ appPath: ROOT });
  await launch(d);
  await started(d);
});

afterAll(async () => {
  // Whatever happened above: nothing the launch started may outlive the file.
  for (const { plane } of planes.planes) await plane.close().catch(() => undefined);
  await upstream?.close();
  rmSync(path.dirname(home), { recursive: true, force: true });
  resetLaunches();
});

describe('first launch', () => {
  it('takes the single-instance lock and keeps running when the last window closes', () => {
    expect(d.app.quitRequests).toBe(0);
    expect(d.app.listenerCount('window-all-closed')).toBe(1);
    d.app.emit('window-all-closed');
    expect(d.app.quitRequests).toBe(0);
  });

  it('creates the tray with the "stopped" icon from build/tray and a tooltip from the control plane', () => {
    expect(d.trays).toHaveLength(1);
    const first = d.tray.images[0]!;
    expect(first.path).toBe(path.join(ROOT, 'build', 'tray', 'tray-stopped.png'));
    expect(first.isEmpty()).toBe(false); // a wrong path gives Electron an invisible, empty image
    expect(d.tray.image.path).toBe(first.path);
    expect(d.tray.tooltip).toBe(trayTooltip(lastPlane().state()));
    expect(d.tray.tooltip).toBe('LLM Gateway (embedded) — Stopped');
    expect(menu().find('start')).toMatchObject({ label: 'Start gateway (embedded)', enabled: true });
    expect(menu().find('stop')).toMatchObject({ enabled: false });
    expect(menu().find('new-key')).toMatchObject({ enabled: false });
  });

  it('uses the safeStorage vault in LLMGW_HOME, the logs folder, and no login item (opt-in)', () => {
    const state = lastPlane().state();
    expect(state.vaultKind).toBe('safe-storage');
    expect(state.paths.home).toBe(home);
    expect(planes.planes[0]!.options.env).toBe(process.env); // unpackaged: compose from the checkout, no copy
    expect(existsSync(path.join(home, 'logs'))).toBe(true);
    expect(existsSync(path.join(config, 'autostart', 'llm-gateway.desktop'))).toBe(false);
    expect(d.windows).toHaveLength(0); // the dashboard opens on demand only
  });
});

describe('security of what the shell created', () => {
  it('puts the CSP on every response', () => {
    const listener = d.session.headersListener;
    expect(listener).not.toBeNull();
    let answer: Electron.HeadersReceivedResponse | undefined;
    listener!(
      { responseHeaders: { 'Content-Type': ['text/html'] } } as unknown as Electron.OnHeadersReceivedListenerDetails,
      (r) => (answer = r),
    );
    expect(answer?.responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('denies every permission request and check', () => {
    const results: boolean[] = [];
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read'] as const) {
      d.session.permissionRequest!(
        {} as Electron.WebContents,
        permission,
        (granted) => results.push(granted),
        {} as Electron.PermissionRequest,
      );
    }
    expect(results).toEqual([false, false, false, false]);
    expect(
      d.session.permissionCheck!(null, 'media', 'file:///', {} as Electron.PermissionCheckHandlerHandlerDetails),
    ).toBe(false);
  });

  it('opens the dashboard in a sandboxed, isolated window without Node or webviews, with the built preload', () => {
    menu().click('open-dashboard');
    expect(d.windows).toHaveLength(1);
    dashboard = d.windows[0]!;
    const prefs = dashboard.options.webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
    });
    expect(prefs.nodeIntegrationInSubFrames ?? false).toBe(false);
    // tsconfig.build emits preload.cts as preload.cjs beside main.js: the path names the build of this very source.
    expect(path.basename(prefs.preload!)).toBe('preload.cjs');
    expect(path.dirname(prefs.preload!)).toBe(path.dirname(PRELOAD_SOURCE));
    expect(dashboard.loaded).toHaveLength(1);
    expect(dashboard.loaded[0]).toMatch(/^file:\/\/.*\/index\.html$/);
    expect(dashboard.visible).toBe(true);
    expect(dashboard.focused).toBe(true);
  });

  it('refuses navigation, redirects, webviews and window.open; only allow-listed https links reach the browser', () => {
    const wc = dashboard.webContents;
    const nav = recordedEvent();
    wc.emit('will-navigate', nav, 'https://evil.example/phish');
    expect(nav.defaultPrevented).toBe(true);
    const link = recordedEvent();
    wc.emit('will-navigate', link, 'https://ollama.com/library/llama3.2');
    expect(link.defaultPrevented).toBe(true);
    const redirect = recordedEvent();
    wc.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.defaultPrevented).toBe(true);
    const webview = recordedEvent();
    wc.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
    const open = (url: string) => wc.windowOpenHandler!({ url } as Electron.HandlerDetails);
    expect(open('https://github.com/ollama/ollama')).toEqual({ action: 'deny' });
    expect(open('http://github.com/')).toEqual({ action: 'deny' });
    expect(open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(d.openedExternal).toEqual(['https://ollama.com/library/llama3.2', 'https://github.com/ollama/ollama']);
  });

  it('rejects IPC from another window, a sub-frame or a foreign page without calling the control plane', async () => {
    const plane = lastPlane();
    const call = vi.spyOn(plane, 'call');
    const channel = channelFor('settings.update');
    const patch = { startAtLogin: true };
    const frames: [{ id: number }, { url: string; parent: unknown } | null][] = [
      [{ id: dashboard.webContents.id + 1000 }, dashboard.webContents.mainFrame()], // another web contents
      [dashboard.webContents, { url: dashboard.loaded[0]!, parent: {} }], // an iframe inside our page
      [dashboard.webContents, { url: 'https://evil.example/', parent: null }], // our window navigated away
      [dashboard.webContents, null], // a frame already gone
    ];
    for (const [sender, frame] of frames) {
      expect(await d.invoke(channel, sender, frame, patch)).toMatchObject({
        ok: false,
        error: { code: 'forbidden_sender' },
      });
    }
    expect(call).not.toHaveBeenCalled();
    expect(plane.state().settings.startAtLogin).toBe(false);
    call.mockRestore();
  });

  it('answers a bad payload from the dashboard with invalid_input, changing nothing', async () => {
    const result = await d.invoke(
      channelFor('settings.update'),
      dashboard.webContents,
      dashboard.webContents.mainFrame(),
      { startAtLogin: 'yes', admin: true },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(lastPlane().state().settings.startAtLogin).toBe(false);
  });
});

describe('the preload', () => {
  it('runs in a sandbox-like context requiring only electron and exposes exactly window.llmgw = { invoke, onEvent }', async () => {
    const { required } = await loadPreload(d, dashboard);
    expect(required).toEqual(['electron']);
    expect([...d.exposed.keys()]).toEqual([BRIDGE_GLOBAL]);
    bridge = d.exposed.get(BRIDGE_GLOBAL) as RendererBridge;
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvent']);
  });

  it('uses for every operation a channel the main process handles, and no other', async () => {
    const handled = [...d.handlers.keys()].sort();
    expect(handled).toEqual(OPERATION_NAMES.map(channelFor).sort());
    const used = new Set<string>();
    const original = d.invoke.bind(d);
    const spy = vi.spyOn(d, 'invoke').mockImplementation((channel, sender, frame, input) => {
      used.add(channel);
      return original(channel, sender, frame, input);
    });
    for (const op of OPERATION_NAMES) {
      // A payload every schema refuses: proves the round trip reaches the handler without running the operation.
      const result = await bridge.invoke(op, { __probe: true });
      expect(result, op).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    spy.mockRestore();
    expect([...used].sort()).toEqual(handled);
    // Both sides take the names from the shared protocol module; the preload spells none of them itself.
    const source = readFileSync(PRELOAD_SOURCE, 'utf8');
    expect(source).toMatch(/from '\.\.\/\.\.\/common\/protocol\/channels\.js'/);
    expect(source).not.toMatch(/['"`]llmgw:/);
    expect(await bridge.invoke('no.such.op' as never)).toMatchObject({
      ok: false,
      error: { code: 'unknown_operation' },
    });
  });

  it('delivers control-plane events on the shared event channel, without the IPC event object', async () => {
    const seen: ControlEvent[] = [];
    const off = bridge.onEvent((e) => seen.push(e));
    lastPlane().events.emit({ type: 'warning', message: 'hello from main' });
    expect(seen).toEqual([{ type: 'warning', message: 'hello from main' }]);
    expect(dashboard.webContents.sent.at(-1)).toEqual({
      channel: EVENT_CHANNEL,
      args: [{ type: 'warning', message: 'hello from main' }],
    });
    off();
    lastPlane().events.emit({ type: 'warning', message: 'after off' });
    expect(seen).toHaveLength(1);
  });

  it('reads the real state through the bridge', async () => {
    const result = (await bridge.invoke('state.get')) as BridgeResult<{ mode: string }>;
    expect(result).toMatchObject({ ok: true, value: { mode: 'embedded' } });
  });
});

describe('the session', () => {
  it('Start from the menu: the embedded gateway answers /health; icon and tooltip follow the health', async () => {
    menu().click('start');
    await eventually(() => expect(status()).toBe('healthy'));
    const url = lastPlane().state().gatewayUrl!;
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    await eventually(() => expect(d.tray.image.path).toBe(path.join(ROOT, 'build', 'tray', 'tray-healthy.png')));
    expect(d.tray.image.isEmpty()).toBe(false);
    expect(d.tray.tooltip).toBe(trayTooltip(lastPlane().state()));
    expect(d.tray.tooltip).toMatch(/^LLM Gateway \(embedded\) — /);
    expect(d.tray.tooltips).toContain('LLM Gateway (embedded) — Stopped');
    expect(menu().find('start')).toMatchObject({ enabled: false });
    expect(menu().find('stop')).toMatchObject({ enabled: true });
    expect(d.notifications).toEqual([]); // no failure to report
  });

  it('New key… opens the dashboard on the new-key page, where the page creates the key through the bridge', async () => {
    dashboard.hide();
    menu().click('new-key');
    expect(d.windows).toHaveLength(1); // the same window, shown again
    expect(dashboard.visible).toBe(true);
    await eventually(() => expect(dashboard.webContents.location.hash).toBe('#/keys/new'));
    const created = (await bridge.invoke('keys.create', { name: 'laptop' })) as BridgeResult<{
      id: string;
      key: string;
    }>;
    if (!created.ok) throw new Error(created.error.message);
    keyId = created.value.id;
    await eventually(() => expect(menu().find(`copy-key-${keyId}`)).toMatchObject({ label: 'laptop', enabled: true }));
    // The vault is the safeStorage one: encrypted on disk.
    expect(readFileSync(path.join(home, SAFE_VAULT_FILE), 'utf8')).not.toContain(created.value.key);
  });

  it('Copy API key puts that key’s plaintext on the clipboard and says so', async () => {
    const { key } = await lastPlane().api['keys.reveal']({ id: keyId });
    menu().click(`copy-key-${keyId}`);
    await eventually(() => expect(d.clipboardWrites).toEqual([key]));
    expect(d.notifications.at(-1)).toMatchObject({
      title: 'API key copied',
      body: 'The key "laptop" is on the clipboard for a minute.',
    });
    // The copied key works against the running gateway.
    const res = await fetch(`${lastPlane().state().gatewayUrl}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
  });

  it('Pull from the catalog: the menu shows progress and Cancel; Cancel stops it', async () => {
    upstream.behaviour = { ...upstream.behaviour, pullStepDelayMs: 40, pullSteps: 100_000 };
    menu().click('pull-mistral:7b');
    await eventually(() => expect(d.notifications.at(-1)).toMatchObject({ title: 'Pull started' }));
    await eventually(() => {
      expect(menu().find('models')?.label).toBe('Models (1 pulling)');
      expect(menu().find('cancel-pull-mistral:7b')?.label).toMatch(/^Cancel pull of mistral:7b \(\d+%\)$/);
      expect(menu().find('pull-mistral:7b')).toMatchObject({ enabled: false });
    });
    menu().click('cancel-pull-mistral:7b');
    await eventually(() => {
      expect(menu().find('cancel-pull-mistral:7b')).toBeUndefined();
      expect(menu().find('models')?.label).toBe('Models');
    });
    expect(
      lastPlane()
        .state()
        .pulls.find((p) => p.name === 'mistral:7b')?.phase,
    ).toBe('cancelled');
    upstream.behaviour = { ...upstream.behaviour, pullStepDelayMs: 0, pullSteps: 4 };
  });

  it('Run readiness suite: a notification with the result; a double click is told the suite is already running', async () => {
    const before = d.notifications.length;
    const clicked = menu();
    clicked.click('readiness');
    clicked.click('readiness'); // the same menu, before it is rebuilt: a quick double click
    await eventually(() => expect(d.notifications.length).toBe(before + 2), 60_000);
    expect(d.notifications[before]).toMatchObject({
      title: 'Readiness suite failed',
      body: expect.stringMatching(/^A readiness run is already going\.\n\S/),
    });
    const note = d.notifications.at(-1)!;
    const last = lastPlane().state().readiness.last!;
    expect(last).not.toBeNull();
    expect(note.title).toBe(last.ok ? 'Ready' : 'Not ready');
    expect(note.body).toBe(
      `${last.passed} passed, ${last.failed} failed, ${last.skipped} skipped. Details in the dashboard.`,
    );
  });

  it('Stop from the menu stops the gateway and shows "stopped"; Start brings it back', async () => {
    const url = lastPlane().state().gatewayUrl!;
    menu().click('stop');
    await eventually(() => expect(d.tray.image.path).toBe(path.join(ROOT, 'build', 'tray', 'tray-stopped.png')));
    expect(status()).toBe('stopped');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    expect(menu().find('new-key')).toMatchObject({ enabled: false });
    // The icon turns "stopped" as soon as health says so; Start is offered once the stop itself has finished.
    await eventually(() => expect(menu().find('start')).toMatchObject({ enabled: true }));
    menu().click('start');
    await eventually(() => expect(d.tray.image.path).toBe(path.join(ROOT, 'build', 'tray', 'tray-healthy.png')));
    expect(menu().find(`copy-key-${keyId}`)).toMatchObject({ enabled: true }); // the vault kept the key
  });

  it('Open logs folder opens LLMGW_HOME/logs', () => {
    menu().click('open-logs');
    expect(d.openedPaths).toEqual([path.join(home, 'logs')]);
  });

  it('a setting changed in the dashboard takes effect in the shell (start at login writes the XDG entry)', async () => {
    const result = await bridge.invoke('settings.update', { startAtLogin: true });
    expect(result).toMatchObject({ ok: true });
    const entry = path.join(config, 'autostart', 'llm-gateway.desktop');
    await eventually(() => expect(existsSync(entry)).toBe(true));
    await bridge.invoke('settings.update', { startAtLogin: false });
    await eventually(() => expect(existsSync(entry)).toBe(false));
  });

  it('Open dashboard shows the window; closing it hides it and the app stays in the tray', async () => {
    menu().click('open-dashboard');
    expect(dashboard.visible).toBe(true);
    expect(dashboard.close()).toBe(false); // prevented: hidden, not destroyed
    expect(dashboard.visible).toBe(false);
    expect(dashboard.isDestroyed()).toBe(false);
    expect(d.app.quitRequests).toBe(0);
    expect(d.tray.destroyed).toBe(false);
    menu().click('open-dashboard');
    expect(d.windows).toHaveLength(1);
    expect(dashboard.visible).toBe(true);
    // Models… in the menu opens the same window on its section.
    menu().click('models-manage');
    await eventually(() => expect(dashboard.webContents.location.hash).toBe('#/models'));
  });

  it('a minimised dashboard is restored and focused when opened again', () => {
    dashboard.minimize();
    menu().click('open-dashboard');
    expect(dashboard.isMinimized()).toBe(false);
    expect(dashboard.focused).toBe(true);
  });

  it('a second launch focuses the first and quits itself', async () => {
    dashboard.hide();
    dashboard.minimize();
    const first = d;
    const second = newLaunch({ appPath: ROOT });
    const planesBefore = planes.planes.length;
    await launch(second);
    expect(second.app.quitRequests).toBe(1);
    expect(second.trays).toHaveLength(0);
    expect(second.windows).toHaveLength(0);
    expect(planes.planes).toHaveLength(planesBefore); // no second control plane
    expect(dashboard.visible).toBe(true);
    expect(dashboard.isMinimized()).toBe(false);
    expect(dashboard.focused).toBe(true);
    expect(current()).toBe(second);
    // Back to the first launch's double for the rest of the session.
    (globalThis as Record<symbol, unknown>)[Symbol.for('llmgw.test.electron-double.current')] = first;
  });

  it('Quit in embedded mode asks nothing, stops the embedded gateway, closes the window and quits', async () => {
    const url = lastPlane().state().gatewayUrl!;
    menu().click('quit');
    await eventually(() => expect(d.app.quitted).toBe(true));
    expect(d.dialogs).toEqual([]); // embedded: nothing keeps running after the app, so nothing to ask
    expect(dashboard.isDestroyed()).toBe(true);
    expect(d.app.quitRequests).toBe(2); // the click, then the shell's own quit once the plane is closed
    expect(d.tray.destroyed).toBe(true);
    expect(d.handlers.size).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
