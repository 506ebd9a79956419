// Quit with a running stack, through the REAL main.ts and quit.ts: the dialog's question and buttons, Cancel keeps
// the app, "Keep it running" leaves the stack alone, "Stop the stack" + "Remember my answer" stops it and is stored,
// and the next launch honours the stored answer without asking. The stack is a recording StackPort double (Docker
// is not ours to drive here); the control plane is the real one in stack mode over it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import type { StackPort } from '../../main/control/stack-port.js';
import type { ContainerView } from '../../main/control/health/aggregate.js';
import { newLaunch, resetLaunches, type ElectronDouble } from './electron-double.js';
import { eventually, lastPlane, launch, planes, started, tempHome } from './launch.js';

vi.mock('electron', async () => (await import('./electron-double.js')).currentLaunchModule());
vi.mock('../../main/control/api.js', async (importOriginal) =>
  (await import('./launch.js')).controlPlaneSpy(importOriginal),
);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** TEST DOUBLE of the stack: containers that run after start() and not after stop(), and a log of the calls. */
function recordingStack(): StackPort & { calls: string[]; running: boolean } {
  const services = ['nginx', 'api-gateway', 'postgres', 'redis'];
  const stack = {
    calls: [] as string[],
    running: true,
    containers: async (): Promise<ContainerView[]> =>
      services.map((service) => ({
        name: `llmgw-${service}-1`,
        service,
        replica: 1,
        state: stack.running ? 'running' : 'exited',
        health: stack.running ? 'healthy' : 'none',
      })),
    start: async () => {
      stack.calls.push('start');
      stack.running = true;
    },
    stop: async () => {
      stack.calls.push('stop');
      stack.running = false;
    },
    env: () => null,
    probe: () => ({
      containers: async () => [],
      stopReplica: async () => undefined,
      startReplica: async () => undefined,
    }),
  };
  return stack;
}

let upstream: OllamaUpstream;
let home: string;
let config: string;
let stack: ReturnType<typeof recordingStack>;
const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);

async function launchStack(): Promise<ElectronDouble> {
  const d = newLaunch({ appPath: ROOT });
  await launch(d);
  await started(d);
  await eventually(() => expect(lastPlane().state().health.status).not.toBe('stopped'));
  return d;
}

/** Clicks Quit and lets the shell's async quit run until it either quits or gives up (the dialog was answered). */
async function quitVia(d: ElectronDouble): Promise<void> {
  const before = d.dialogAnswers.length;
  d.tray.menu!.click('quit');
  await eventually(() => expect(d.app.quitted || d.dialogAnswers.length < before).toBe(true));
}

beforeAll(async () => {
  resetLaunches();
  upstream = await startOllamaUpstream();
  // Port 1: nothing listens there, so the health probe of "Nginx" is refused and never reaches another stack.
  ({ home, config } = tempHome({ mode: 'stack', ollamaUrl: upstream.url, ports: { gateway: 1 }, startAtLogin: true }));
  // XDG_CONFIG_HOME is a file: the autostart entry cannot be written (a read-only or odd ~/.config).
  writeFileSync(path.join(config, 'autostart'), 'not a folder');
  stack = recordingStack();
  planes.overrides = { stack, docker: async () => true };
});

afterAll(async () => {
  planes.overrides = {};
  warn.mockRestore();
  for (const { plane } of planes.planes) await plane.close().catch(() => undefined);
  await upstream?.close();
  rmSync(path.dirname(home), { recursive: true, force: true });
  resetLaunches();
});

const settingsFile = () =>
  JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')) as Record<string, unknown>;

describe('quit with a running stack', () => {
  let d: ElectronDouble;

  it('comes up in stack mode; a broken autostart folder only warns, the tray still comes up', async () => {
    d = await launchStack();
    expect(lastPlane().state().mode).toBe('stack');
    expect(d.tray.tooltip).toMatch(/^LLM Gateway \(stack\) — /);
    expect(menu(d).find('start')).toMatchObject({ label: expect.stringMatching(/stack/) });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^start at login: /));
  });

  it('asks whether to stop the stack; Cancel keeps the app running', async () => {
    d.tray.menu!.click('open-dashboard');
    d.dialogAnswers.push({ response: 2, checkboxChecked: false });
    await quitVia(d);
    await new Promise((resolve) => setImmediate(resolve));
    expect(d.dialogs).toHaveLength(1);
    expect(d.dialogs[0]).toMatchObject({
      type: 'question',
      buttons: ['Stop the stack', 'Keep it running', 'Cancel'],
      cancelId: 2,
      defaultId: 1,
      checkboxLabel: 'Remember my answer',
    });
    expect(d.app.quitted).toBe(false);
    expect(d.windows[0]!.isDestroyed()).toBe(false); // the window still only hides on close
    expect(d.windows[0]!.close()).toBe(false);
    expect(stack.calls).toEqual([]);
  });

  it('"Keep it running" without remembering quits and leaves the stack up; nothing is stored', async () => {
    d.dialogAnswers.push({ response: 1, checkboxChecked: false });
    // Quit asked twice while the question is open (tray click, then Cmd+Q / the OS logging out): one dialog only.
    d.tray.menu!.click('quit');
    d.app.quit();
    await eventually(() => expect(d.app.quitted).toBe(true));
    await eventually(() => expect(d.app.quitted).toBe(true));
    expect(d.dialogs).toHaveLength(2);
    expect(d.windows[0]!.isDestroyed()).toBe(true);
    expect(stack.calls).toEqual([]);
    expect(stack.running).toBe(true);
    expect(settingsFile().stopStackOnQuit ?? null).toBeNull();
  });

  it('"Stop the stack" with "Remember my answer" stops it and stores the answer', async () => {
    d = await launchStack();
    d.dialogAnswers.push({ response: 0, checkboxChecked: true });
    await quitVia(d);
    await eventually(() => expect(d.app.quitted).toBe(true));
    expect(d.dialogs).toHaveLength(1);
    expect(stack.calls).toEqual(['stop']);
    expect(settingsFile().stopStackOnQuit).toBe(true);
  });

  it('the next launch honours the remembered answer without asking', async () => {
    await stack.start();
    stack.calls.length = 0;
    d = await launchStack();
    await quitVia(d);
    await eventually(() => expect(d.app.quitted).toBe(true));
    expect(d.dialogs).toEqual([]);
    expect(stack.calls).toEqual(['stop']);
  });

  it('a stopped stack is not asked about', async () => {
    d = newLaunch({ appPath: ROOT });
    await launch(d);
    await started(d);
    expect(lastPlane().state().health.status).toBe('stopped');
    await quitVia(d);
    expect(d.dialogs).toEqual([]);
    expect(stack.calls).toEqual(['stop']); // only the earlier one
  });
});

function menu(d: ElectronDouble) {
  return d.tray.menu!;
}
