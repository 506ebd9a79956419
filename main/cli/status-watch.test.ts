// `status --watch`: plain mode prints a reading only when it changed; a terminal gets a full redraw per reading; the
// signal (Ctrl-C) ends the loop at once; a failed reading is shown and retried. The reading in the first test is the
// real status of a project that does not exist, from this machine's Docker Engine.
import { describe, expect, it } from 'vitest';
import { StackController } from '../stack/controller.js';
import { renderStatus } from './stack-commands.js';
import { watchStatus } from './status-watch.js';

describe('watchStatus', () => {
  it('plain: prints when the key changed (not on every new uptime), stops on the signal', async () => {
    const controller = new StackController({ project: `llmgw-watch-${process.pid}` });
    const abort = new AbortController();
    let reads = 0;
    let out = '';
    await watchStatus({
      read: async () => {
        reads += 1;
        if (reads === 5) abort.abort();
        const text = renderStatus(await controller.status());
        // The text changes every time (like uptimes); the key only from the third reading on.
        return { text: `${text}\nreading ${reads}`, key: reads >= 3 ? 'changed' : 'same' };
      },
      intervalS: 0.02,
      tty: false,
      write: (s) => (out += s),
      signal: abort.signal,
    });
    expect(reads).toBe(5);
    expect(out).toBe(
      `Stack llmgw-watch-${process.pid}: not created (run \`llm-gateway up\`).\nreading 1\n\nStack llmgw-watch-${process.pid}: not created (run \`llm-gateway up\`).\nreading 3\n`,
    );
  });

  it('terminal: redraws every reading with the time; a failed reading is shown and retried', async () => {
    const abort = new AbortController();
    let reads = 0;
    const frames: string[] = [];
    await watchStatus({
      read: async () => {
        reads += 1;
        if (reads === 2) throw new Error('engine went away');
        if (reads === 3) abort.abort();
        return { text: 'Stack llm-gateway: running' };
      },
      intervalS: 0.02,
      tty: true,
      write: (s) => frames.push(s),
      signal: abort.signal,
      now: () => new Date('2026-01-01T10:00:00'),
    });
    expect(frames).toEqual([
      '\x1b[H\x1b[2J10:00:00  every 0.02s · Ctrl-C to stop\n\nStack llm-gateway: running\n',
      '\x1b[H\x1b[2J10:00:00  every 0.02s · Ctrl-C to stop\n\nllm-gateway: status failed: engine went away (retrying)\n',
    ]);
  });
});
