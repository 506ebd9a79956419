// `llm-gateway status --watch`: reads the status every N seconds until Ctrl-C (the signal). On a terminal the
// screen is redrawn in place with the time of the reading; otherwise (a pipe, a log file) the status is printed only
// when it changed (its states and health, not its uptimes), so a log shows each transition once. A failed reading is shown and retried, not fatal.

export interface Reading {
  text: string;
  /** What counts as a change (the status without its ticking uptimes); default the text. */
  key?: string;
}

export interface WatchOptions {
  read: () => Promise<Reading>;
  intervalS: number;
  tty: boolean;
  write: (text: string) => void;
  signal: AbortSignal;
  now?: () => Date;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function watchStatus(options: WatchOptions): Promise<void> {
  const now = options.now ?? (() => new Date());
  let last: string | null = null;
  while (!options.signal.aborted) {
    let reading: Reading;
    try {
      reading = await options.read();
    } catch (err) {
      reading = { text: `llm-gateway: status failed: ${(err as Error).message} (retrying)` };
    }
    const { text } = reading;
    const key = reading.key ?? text;
    if (options.signal.aborted) break;
    const time = now().toLocaleTimeString('en-GB', { hour12: false });
    if (options.tty) {
      // Home, clear the screen, then the reading: a full redraw keeps the terminal's scrollback out of it.
      options.write(`\x1b[H\x1b[2J${time}  every ${options.intervalS}s · Ctrl-C to stop\n\n${text}\n`);
    } else if (key !== last) {
      options.write(`${last === null ? '' : '\n'}${text}\n`);
    }
    last = key;
    await sleep(options.intervalS * 1000, options.signal);
  }
}
