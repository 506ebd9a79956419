// The settle that rides in the usage journal's pipeline (settleAlong) is sent once: not queued again for the next
// admission's pipeline or the close-time flush. Real Redis; the commands are counted as the client sends them.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { TEST_REDIS_URL } from '../../../test/support/services.js';
import { createRedis, waitForReady } from '../shared/redis-connection.js';
import { RedisLimiter } from './redis.js';

const redis: Redis = createRedis(TEST_REDIS_URL, { name: 'llmgw-settle-test' });
const prefix = `test:settle:${randomUUID()}:`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** Every EVALSHA the client sends, as its arguments joined by spaces. */
function recordScripts(client: Redis): string[] {
  const sent: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string; args: unknown[] }, ...rest: unknown[]) => {
    if (command.name === 'evalsha') sent.push(command.args.map(String).join(' '));
    return (send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as Redis['sendCommand'];
  return sent;
}

it('a settle sent with settleAlong is not sent again by the next admission or by close()', async () => {
  await waitForReady(redis);
  const limiter = new RedisLimiter({ redis, prefix, ownsClient: false });
  const admitOne = (requestId: string) =>
    limiter.admit({ keyId: 'k', requestId, rpm: 1000, tpm: 1_000_000, estimatedTokens: 10, maxConcurrent: 10 });
  await admitOne('first');
  const sent = recordScripts(redis);
  const along = limiter.settleAlong({ keyId: 'k', requestId: 'first', actualTokens: 3 }, 'ride', (p) => p.ping());
  await along.settled;
  await along.replies;
  await admitOne('second');
  await limiter.settle({ keyId: 'k', requestId: 'second', actualTokens: 4 });
  await limiter.close();
  // A settle's arguments: sha, 4, four keys, now, window, requestId, tokens, ttl (an admission has rpm there).
  const settlesOf = (id: string) => sent.filter((line) => line.split(' ')[8] === id);
  expect(settlesOf('first')).toHaveLength(1);
  expect(settlesOf('second')).toHaveLength(1);
  // settleAlong's settle, the admission of 'second' alone (nothing riding with it), then its own settle.
  expect(sent).toHaveLength(3);
});
