// `llm-gateway models pull` in a real terminal (tmux on a private socket): the live progress line redraws in place
// and advances (bar, percent, bytes, speed, ETA), and Ctrl-C typed into the terminal cancels the pull cleanly: the
// line says so, the command exits 130, and the model is not installed. The test upstream's pull is slowed down.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { CLI, assertBuilt, tempHome } from './run-cli.js';

const SOCKET = `llmgw-h17a-${randomBytes(4).toString('hex')}`;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
}

function pane(): string {
  return tmux('capture-pane', '-p', '-t', 'pull');
}

async function until<T>(what: string, probe: () => T | null, attempts = 600): Promise<T> {
  for (let i = 0; i < attempts; i += 1) {
    const value = probe();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not appear; the pane shows:\n${pane()}`);
}

const PROGRESS = /qwen3:0\.6b \[#*·*\] (\d+\.\d)% {2}\S+ \S+\/\S+ \S+/;

describe('models pull in a terminal', { timeout: 120_000 }, () => {
  let upstream: OllamaUpstream;
  let home: ReturnType<typeof tempHome>;

  beforeAll(async () => {
    assertBuilt();
    upstream = await startOllamaUpstream({ behaviour: { pullSteps: 400, pullStepDelayMs: 40 } });
    home = tempHome(upstream.url);
  });
  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // the server was not started
    }
    await upstream.close();
    home.remove();
  });

  it('shows a live progress line that advances; Ctrl-C cancels with exit 130', async () => {
    const command = `env LLMGW_HOME='${home.home}' '${process.execPath}' '${CLI}' models pull qwen3:0.6b; echo "EXIT=$?"; sleep 120`;
    tmux('new-session', '-d', '-s', 'pull', '-x', '110', '-y', '20', 'bash', '--norc', '-c', command);

    const first = await until('a progress line', () => {
      const match = PROGRESS.exec(pane());
      return match && Number(match[1]) > 0 ? Number(match[1]) : null;
    });
    const later = await until('a later percentage', () => {
      const match = PROGRESS.exec(pane());
      return match && Number(match[1]) > first ? Number(match[1]) : null;
    });
    expect(later).toBeGreaterThan(first);
    const screen = pane();
    // Redrawn in place: one progress line on the screen, not one per update.
    expect(screen.split('\n').filter((line) => PROGRESS.test(line))).toHaveLength(1);
    expect(screen).toMatch(/ETA \d+(s|m\d\ds)/);

    tmux('send-keys', '-t', 'pull', 'C-c');
    const ended = await until('the exit code', () => (/EXIT=\d+/.test(pane()) ? pane() : null));
    expect(ended).toContain('EXIT=130');
    expect(ended).toMatch(/qwen3:0\.6b: cancelled at \d+\.\d%; pull again to resume\./);
    expect(ended).toContain('llm-gateway: The pull of qwen3:0.6b was cancelled.');
    expect(ended.split('\n').filter((line) => PROGRESS.test(line))).toHaveLength(0); // the live line was cleared
    expect(upstream.models.map((m) => m.name)).not.toContain('qwen3:0.6b');
  });
});
