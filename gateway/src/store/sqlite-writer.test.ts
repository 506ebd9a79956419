// The SQLite store writes usage off the event loop: against a real SQLite file, a large batch is still being
// written when the loop has already moved on, the writer runs on another thread, and close() loses nothing queued.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite.js';
import { SqliteUsageWriter } from './sqlite-writer.js';
import type { UsageRow } from './types.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'llmgw-writer-'));
  file = path.join(dir, 'gw.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rows = (n: number, from = 0): UsageRow[] =>
  Array.from({ length: n }, (_, i) => ({
    requestId: `req_${from + i}`,
    keyId: 'key_a',
    model: 'm',
    endpoint: '/v1/chat/completions',
    promptTokens: 3,
    completionTokens: 5,
    status: 200,
    outcome: 'ok' as const,
    latencyMs: 1,
    replica: 'r1',
    createdAt: new Date(1_700_000_000_000 + i),
  }));

const countRows = (): number => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM usage').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('SQLite usage writer', () => {
  it('lets the event loop run while a large batch is being written (ordering, no timing)', async () => {
    const store = new SqliteStore({ path: file });
    await store.migrate();
    const order: string[] = [];
    // Inline on the loop, the whole insert would finish inside recordUsage() and its promise would settle
    // before any macrotask; off the loop, the next turn of the loop comes first.
    const flush = store.recordUsage(rows(50_000)).then(() => order.push('flush'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    order.push('loop turned');
    await flush;
    expect(order).toEqual(['loop turned', 'flush']);
    await store.close();
    expect(countRows()).toBe(50_000);
  });

  it('writes on a thread other than the main one', async () => {
    const store = new SqliteStore({ path: file });
    await store.migrate();
    await store.close();
    const writer = new SqliteUsageWriter(file);
    const writerThread = await writer.write(rows(1));
    await writer.close();
    expect(writerThread).not.toBe(threadId);
    expect(writerThread).toBeGreaterThan(0);
  });

  it('close() waits for every queued batch (nothing lost on shutdown)', async () => {
    const store = new SqliteStore({ path: file });
    await store.migrate();
    const writes = Array.from({ length: 20 }, (_, b) => store.recordUsage(rows(500, b * 500)));
    await store.close();
    await Promise.all(writes);
    expect(countRows()).toBe(10_000);
  });

  it('fails a batch that breaks a constraint as a whole, and keeps writing the next', async () => {
    const store = new SqliteStore({ path: file });
    await store.migrate();
    const bad = rows(3);
    (bad[1] as { model: unknown }).model = undefined;
    await expect(store.recordUsage(bad)).rejects.toThrow(/NOT NULL/);
    await store.recordUsage(rows(2, 100));
    await store.close();
    expect(countRows()).toBe(2);
  });
});
