// The stack's usage journal: every answered request's usage row is appended to a Redis stream in the same
// pipeline as its token settle (one write, sent as the answer completes, no database on the hot path), so a
// replica killed with SIGKILL loses nothing it answered. Replicas drain the stream into PostgreSQL in batches
// through one consumer group: at-least-once (an entry is acknowledged and deleted only after its batch is
// committed; entries a dead replica had read are claimed by another after CLAIM idle time), de-duplicated by the
// usage table's unique request_id (ON CONFLICT DO NOTHING).
// On a Redis Cluster the stream is one key in one slot (every replica drains the same group); the row then goes in
// its own pipeline to that slot's node, sent together with the settle's pipeline to the API key's node.
import type { RedisClient } from '../shared/redis-connection.js';
import type { SettleRequest } from '../limits/types.js';
import type { RedisLimiter } from '../limits/redis.js';
import type { UsageRow } from '../store/types.js';

const GROUP = 'drain';

export interface JournalEntries {
  ids: string[];
  rows: UsageRow[];
  /** Entries that were not a usage row (acknowledged with the rest, never written). */
  malformed: number;
}

export interface RedisUsageJournalOptions {
  limiter: RedisLimiter;
  redis: RedisClient;
  /** The Redis key prefix, e.g. "llmgw:". */
  prefix: string;
  /** This replica's consumer name in the group (its instance id). */
  consumer: string;
  /** Entries another consumer read but did not acknowledge for this long are claimed (it likely died). */
  claimIdleMs: number;
}

/** A row as JSON: dates as epoch ms, every field kept (a missing one must still fail the batch in the store). */
type WireRow = Omit<UsageRow, 'createdAt'> & { createdAt: number };

export function encodeRow(row: UsageRow): string {
  return JSON.stringify({ ...row, createdAt: row.createdAt.getTime() });
}

export function decodeRow(text: string): UsageRow {
  const w = JSON.parse(text) as WireRow;
  return { ...w, createdAt: new Date(w.createdAt) };
}

type StreamEntry = [id: string, fields: string[] | null];

export class RedisUsageJournal {
  readonly key: string;
  private groupReady = false;

  constructor(private readonly opts: RedisUsageJournalOptions) {
    // Hash tag: one slot under Redis Cluster, like the limiter's keys.
    this.key = `${opts.prefix}usage:{journal}`;
  }

  /**
   * Appends the row with the request's settle, in one pipeline written now. Resolves once Redis has the row;
   * rejects when it did not take it (the caller keeps the row for a direct store write).
   */
  async append(row: UsageRow, settle: SettleRequest | null): Promise<{ settled: Promise<void> }> {
    const sent = this.opts.limiter.settleAlong(settle, this.key, (p) => p.xadd(this.key, '*', 'r', encodeRow(row)));
    // The settle's failure is its own (the caller logs it); a pipeline failure rejects both.
    sent.settled.catch(() => undefined);
    const [reply] = await sent.replies;
    if (!reply) throw new Error('Redis pipeline returned no reply for the usage row');
    if (reply[0]) throw reply[0];
    return { settled: sent.settled };
  }

  /** Up to `count` entries to write: first those a dead consumer left unacknowledged, then new ones. */
  async read(count: number): Promise<JournalEntries> {
    try {
      return await this.readOnce(count);
    } catch (err) {
      // The group is gone (Redis restarted without persistence, or was flushed): create it again, once.
      if (!(err instanceof Error) || !err.message.startsWith('NOGROUP')) throw err;
      this.groupReady = false;
      return this.readOnce(count);
    }
  }

  private async readOnce(count: number): Promise<JournalEntries> {
    await this.ensureGroup();
    const out: JournalEntries = { ids: [], rows: [], malformed: 0 };
    const claimed = (await this.opts.redis.xautoclaim(
      this.key,
      GROUP,
      this.opts.consumer,
      this.opts.claimIdleMs,
      '0-0',
      'COUNT',
      count,
    )) as [string, StreamEntry[], string[]?];
    this.collect(claimed[1], out);
    if (out.ids.length < count) {
      const fresh = (await this.opts.redis.xreadgroup(
        'GROUP',
        GROUP,
        this.opts.consumer,
        'COUNT',
        count - out.ids.length,
        'STREAMS',
        this.key,
        '>',
      )) as Array<[string, StreamEntry[]]> | null;
      this.collect(fresh?.[0]?.[1] ?? [], out);
    }
    return out;
  }

  /** After the batch is committed: acknowledge and delete (the stream holds only what is not yet in the store). */
  async ack(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.opts.redis
      .multi()
      .xack(this.key, GROUP, ...ids)
      .xdel(this.key, ...ids)
      .exec();
  }

  private collect(entries: StreamEntry[], out: JournalEntries): void {
    for (const [id, fields] of entries) {
      out.ids.push(id);
      // An entry deleted under a pending id comes back without fields, and one that is not a row cannot be
      // written: both are only acknowledged (a poison entry must not stop the drain).
      const at = fields ? fields.indexOf('r') : -1;
      if (at < 0 || fields![at + 1] === undefined) continue;
      try {
        out.rows.push(decodeRow(fields![at + 1]!));
      } catch {
        out.malformed += 1;
      }
    }
  }

  // From id 0: entries appended before any replica created the group are drained too.
  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.opts.redis.xgroup('CREATE', this.key, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
    }
    this.groupReady = true;
  }
}
