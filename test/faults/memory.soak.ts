// Memory under soak (fault suite scenario 10, not in CI): N minutes (SOAK_MINUTES, default 10) of mixed traffic
// through nginx — chat, streams, streams the client abandons, embeddings — while each gateway replica's memory is
// sampled from the Engine every 15 s. After a warm-up, the least-squares slope per replica must be flat.
// Run: set -a; . /tmp/llmgw-ci-images.env; set +a; npm run soak:faults
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StackController } from '../../main/stack/controller.js';
import { ensureEnvFile } from '../../main/stack/env-file.js';
import { startOllamaUpstream, type OllamaUpstream } from '../fixtures/ollama-upstream/index.js';
import { chat, request, sleep, stockOllamaEnv, waitForNoStack } from './support.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const WARM_UP_MS = Math.min(120_000, (MINUTES * 60_000) / 5);
const SAMPLE_EVERY_MS = 15_000;
const MAX_SLOPE_MB_PER_MIN = 1;

let home: string | undefined;
let upstream: OllamaUpstream | undefined;
let controller: StackController | undefined;
let engine: Docker;

/** Anonymous memory of a container in MB (cgroup v2 `anon`, v1 `rss`; usage minus page cache as a fallback). */
async function memoryMb(id: string): Promise<number> {
  const stats = (await engine.getContainer(id).stats({ stream: false })) as unknown as {
    memory_stats: { usage?: number; stats?: Record<string, number> };
  };
  const s = stats.memory_stats.stats ?? {};
  const bytes = s.anon ?? s.rss ?? (stats.memory_stats.usage ?? 0) - (s.inactive_file ?? s.cache ?? 0);
  return bytes / 1_048_576;
}

function slopePerMinute(points: Array<{ t: number; mb: number }>): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mm = points.reduce((a, p) => a + p.mb, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.mb - mm), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60_000;
}

beforeAll(async () => {
  await waitForNoStack();
  home = mkdtempSync(path.join(os.tmpdir(), 'llmgw-soak-home-'));
  controller = new StackController({ env: { ...process.env, LLMGW_HOME: home } });
  engine = await controller.docker();
  // As a stock Ollama (127.0.0.1:11434 only); `up` without OLLAMA_URLS reaches it through the ollama-forwarder.
  upstream = await startOllamaUpstream({ host: '127.0.0.1', port: 11434, behaviour: { chunks: 12, chunkDelayMs: 5 } });
  controller = new StackController({ env: { ...stockOllamaEnv(process.env), LLMGW_HOME: home, LOG_LEVEL: 'warn' } });
  await controller.up();
}, 1_200_000);

afterAll(async () => {
  await controller?.down({ volumes: true }).catch((err: unknown) => console.error('soak teardown:', err));
  await upstream?.close();
  if (home) rmSync(home, { recursive: true, force: true });
}, 300_000);

describe('memory under soak', () => {
  it(
    `keeps each replica's memory flat over ${MINUTES} minutes of mixed traffic`,
    async () => {
      const adminToken = ensureEnvFile(home!).values.ADMIN_TOKEN!;
      const created = await request('POST', '/admin/keys', {
        headers: { authorization: `Bearer ${adminToken}` },
        body: { name: 'soak', rpm: 100_000_000, tpm: 100_000_000 },
      });
      const { key } = JSON.parse(created.body) as { key: string };
      const model = upstream!.models[0]!.name;
      const replicas = (await controller!.containers()).filter((c) => c.service === 'api-gateway');
      const samples = new Map(replicas.map((r) => [r.name, [] as Array<{ t: number; mb: number }>]));
      const started = Date.now();
      const end = started + MINUTES * 60_000;
      let requests = 0;
      let failures = 0;
      const clients = Array.from({ length: 8 }, async (_, worker) => {
        for (let i = 0; Date.now() < end; i += 1) {
          const kind = (worker + i) % 4;
          const result = await chat({
            key,
            model,
            stream: kind >= 2,
            ...(kind === 3 ? { abortAfterChunks: 2 } : {}),
            content: `soak ${worker} ${i} ${'x'.repeat(i % 200)}`,
          });
          requests += 1;
          if (kind !== 3 && result.status !== 200) failures += 1;
        }
      });
      const sampler = (async () => {
        while (Date.now() < end) {
          for (const r of replicas) samples.get(r.name)!.push({ t: Date.now() - started, mb: await memoryMb(r.id) });
          await sleep(SAMPLE_EVERY_MS);
        }
      })();
      await Promise.all([...clients, sampler]);
      const rows = [...samples].map(([name, points]) => {
        const after = points.filter((p) => p.t >= WARM_UP_MS);
        return {
          replica: name,
          firstMb: Math.round(after[0]!.mb * 10) / 10,
          lastMb: Math.round(after.at(-1)!.mb * 10) / 10,
          maxMb: Math.round(Math.max(...after.map((p) => p.mb)) * 10) / 10,
          slopeMbPerMin: Math.round(slopePerMinute(after) * 100) / 100,
          samples: after.length,
        };
      });
      const summary = { minutes: MINUTES, requests, failures, warmUpS: WARM_UP_MS / 1000, replicas: rows };
      console.table(rows);
      console.log(`soak: ${requests} requests, ${failures} failed`);
      writeFileSync(
        process.env.LLMGW_SOAK_REPORT ?? path.join(os.tmpdir(), 'llmgw-soak-report.json'),
        JSON.stringify(summary, null, 2),
      );
      expect(failures).toBe(0);
      for (const row of rows) expect(row.slopeMbPerMin, row.replica).toBeLessThanOrEqual(MAX_SLOPE_MB_PER_MIN);
    },
    (MINUTES + 5) * 60_000,
  );
});
