// The wire shape of GET /admin/usage, shared with its clients (the control plane, the dashboard).
// Types only and no imports, so browser code can use it too.

export interface UsageWireRow {
  key_id: string;
  model: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  /**
   * Answers served from the response cache (no upstream call), and the tokens they stood for (not in the two above).
   * Optional for clients: a gateway from before the response cache does not send them.
   */
  cached_requests?: number;
  cached_tokens?: number;
  avg_latency_ms: number;
  p50_latency_ms: number;
  p95_latency_ms: number;
}

export interface UsageWireSummary {
  object: 'usage_summary';
  from: string;
  to: string;
  totals: {
    requests: number;
    errors: number;
    prompt_tokens: number;
    completion_tokens: number;
    cached_requests?: number;
    cached_tokens?: number;
    p50_latency_ms: number | null;
    p95_latency_ms: number | null;
    p99_latency_ms: number | null;
  };
  data: UsageWireRow[];
}
