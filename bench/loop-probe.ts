// Preloaded into every Node process the benchmark measures (node --import): an event-loop-delay histogram
// (perf_hooks.monitorEventLoopDelay, 1 ms sampling) that the benchmark reads and resets with SIGUSR2. Each signal
// writes the delays since the previous one to LOOP_PROBE_FILE as JSON, so a workload's window is bracketed by two
// signals. Not part of the gateway: the same probe runs in the floor proxy, so the figures compare.
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.LOOP_PROBE_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let seq = 0;
  process.on('SIGUSR2', () => {
    seq += 1;
    const ms = (ns: number) => ns / 1e6;
    writeFileSync(
      file,
      JSON.stringify({
        seq,
        p50Ms: ms(histogram.percentile(50)),
        p99Ms: ms(histogram.percentile(99)),
        maxMs: ms(histogram.max),
      }),
    );
    histogram.reset();
  });
}
