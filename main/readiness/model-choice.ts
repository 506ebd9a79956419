// Picks the model the chat checks use: the smallest installed chat-capable model. Through the gateway only
// /v1/models is visible, so embedding models are recognised by name ("embed", "minilm", "bge") and family (bert).
export interface ListedModel {
  id: string;
  size?: number | null;
  family?: string | null;
  families?: string[] | null;
  parameter_size?: string | null;
}

export function isEmbeddingModel(model: ListedModel): boolean {
  if (/embed|minilm|bge-|e5-|rerank/i.test(model.id)) return true;
  const families = [model.family ?? '', ...(model.families ?? [])];
  return families.some((family) => /bert/i.test(family));
}

/** Parameter count from "1.2B" / "494.03M"; Infinity when unknown. */
function parameters(size: string | null | undefined): number {
  const m = /^([\d.]+)\s*([KMBT])/i.exec(size ?? '');
  if (!m) return Number.POSITIVE_INFINITY;
  const scale = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2]!.toUpperCase() as 'K' | 'M' | 'B' | 'T'];
  return Number(m[1]) * scale;
}

function weight(model: ListedModel): number {
  return typeof model.size === 'number' && model.size > 0 ? model.size : parameters(model.parameter_size);
}

export function pickChatModel(models: readonly ListedModel[]): string | undefined {
  const chat = models.filter((model) => typeof model.id === 'string' && !isEmbeddingModel(model));
  chat.sort((a, b) => weight(a) - weight(b) || a.id.localeCompare(b.id));
  return chat[0]?.id;
}
