// Which commands may share one pipeline. On one Redis server: all of them. On a Redis Cluster a pipeline goes to one
// node, so ioredis rejects a pipeline whose keys live on different nodes; callers split theirs by slotGroup().
// The slot is Redis Cluster's own (CRC16-XMODEM of the key, or of its {hash tag}, mod 16384), so the grouping
// agrees with the server (checked against CLUSTER KEYSLOT in test/gateway/redis-cluster.test.ts).
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connection.js';

const SLOTS = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i += 1) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/** The hash slot of a key: only the part inside the first non-empty {…} counts when there is one. */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // "{"
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // "}"
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % SLOTS;
  }
  return crc16(bytes) % SLOTS;
}

/** A cluster client (its pipelines must stay on one node); false for one server. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * Commands whose keys have the same group can go in one pipeline. One server: always "" (one group, so the
 * single-node path pipelines exactly as before). A cluster: the nodes serving the key's slot, as ioredis groups
 * them; before the slot map is known, the slot itself (stricter, never wrong).
 */
export function slotGroup(client: RedisClient, key: string): string {
  if (!isCluster(client)) return '';
  const slot = keySlot(key);
  const nodes = client.slots[slot];
  return nodes && nodes.length > 0 ? nodes.join(';') : `slot:${slot}`;
}

/** Items split by the group of their key, in first-seen order (one group on a single server). */
export function groupBySlot<T>(client: RedisClient, items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = slotGroup(client, keyOf(item));
    const list = groups.get(group);
    if (list) list.push(item);
    else groups.set(group, [item]);
  }
  return [...groups.values()];
}
