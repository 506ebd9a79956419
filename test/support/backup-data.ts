// Data for the backup tests, made and read through the product's Store (so a restore is judged by what the gateway
// itself would see): keys with limits, usage rows, and a snapshot of both to compare before and after.
import { generateKey, openStore, type Store } from '../../gateway/src/index.js';
import { newKeyFrom } from './new-key.js';

export interface StoreSnapshot {
  keys: Array<{ id: string; name: string; hash: string; revoked: boolean; rpm: number | null }>;
  requests: number;
}

export async function withTestStore<T>(
  where: { sqlitePath: string } | { databaseUrl: string },
  run: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(
    'databaseUrl' in where ? { databaseUrl: where.databaseUrl, sqlitePath: ':memory:' } : where,
  );
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** Creates `names.length` keys and two usage rows per key; returns the key ids. */
export async function seed(store: Store, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const key = await store.createKey(newKeyFrom(generateKey(), { name, rpm: 42 }));
    ids.push(key.id);
    await store.recordUsage(
      [1, 2].map((n) => ({
        requestId: `${key.id}-${n}`,
        keyId: key.id,
        model: 'llama3.2:1b',
        endpoint: '/v1/chat/completions',
        promptTokens: 10 * n,
        completionTokens: 5 * n,
        status: 200,
        outcome: 'ok' as const,
        latencyMs: 100 * n,
        replica: 'test',
        createdAt: new Date(Date.now() - 60_000),
      })),
    );
  }
  return ids;
}

export async function snapshot(store: Store): Promise<StoreSnapshot> {
  const keys = (await store.listKeys())
    .map((k) => ({ id: k.id, name: k.name, hash: k.hash, revoked: k.revokedAt !== null, rpm: k.rpm }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const summary = await store.usageSummary({ from: new Date(0), to: new Date(Date.now() + 86_400_000) });
  return { keys, requests: summary.reduce((sum, row) => sum + row.requests, 0) };
}
