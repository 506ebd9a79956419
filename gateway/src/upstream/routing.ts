// Which Ollama host a request goes to, the way a scheduler would place it. In order:
//   1. a healthy host (an unreachable one only when nothing else is left);
//   2. one that did not just answer 503 "server busy" (its queue was full a moment ago);
//   3. one below its parallelism hint for this model (UPSTREAM_NUM_PARALLEL): past it Ollama queues the request;
//   4. one that has the model loaded (/api/ps): a cold load costs seconds to minutes;
//   5. the fewest requests in flight from this replica.
// So a warm host takes the model's traffic until it is saturated, then the rest spills over to the next host, which
// loads the model (and is warm from then on, until its keep_alive runs out).

/** A model loaded on a host, as its /api/ps says (or as this replica learned from an answer). */
export interface LoadedModel {
  /** The name Ollama lists it under. */
  name: string;
  /** When Ollama unloads it unless it is used again (ms since the epoch). */
  expiresAt: number;
  sizeVram: number | null;
  contextLength: number | null;
  /** When this entry was learned here from an answer (ms); 0 = it came from /api/ps. */
  learnedAt: number;
}

/** What routing reads of a host; the pool's Upstream carries these. */
export interface HostLoad {
  healthy: boolean;
  /** Requests this replica has in flight on the host, all models together. */
  inFlight: number;
  /** Requests in flight per model key. */
  readonly inFlightByModel: Map<string, number>;
  /** Requests one model may have running at once on this host (its OLLAMA_NUM_PARALLEL); null = no hint. */
  readonly parallel: number | null;
  /** The host answered 503 "server busy" and is passed over until this time (ms). */
  busyUntil: number;
  /** Model key → the loaded model. */
  loaded: Map<string, LoadedModel>;
}

/** After a 503 "server busy", the host is tried last for this long: its queue drains in about a generation. */
export const BUSY_BACKOFF_MS = 1_000;

export function isLoaded(host: HostLoad, model: string, now: number): boolean {
  const entry = host.loaded.get(model);
  return entry !== undefined && entry.expiresAt > now;
}

export function isSaturated(host: HostLoad, model: string): boolean {
  return host.parallel !== null && (host.inFlightByModel.get(model) ?? 0) >= host.parallel;
}

/** The host's tier for a request (lower is better); ties go to the fewest in flight. `model` = its key, if any. */
export function tier(host: HostLoad, model: string | undefined, now: number): number {
  let rank = 0;
  if (!host.healthy) rank += 8;
  if (host.busyUntil > now) rank += 4;
  if (model !== undefined) {
    if (isSaturated(host, model)) rank += 2;
    if (!isLoaded(host, model, now)) rank += 1;
  }
  return rank;
}
