// Copy-ready setups for the Overview's "Connect a client": for a gateway base URL, a key and a model, how each
// client is pointed at the gateway — Claude Code (Anthropic Messages), Codex CLI (OpenAI Responses), Open WebUI
// (its Ollama and OpenAI connections), the `ollama` JS client (native API), curl, JavaScript (the openai SDK) and
// Python. Pure: tested without a browser.
//
// The names are the clients' own, checked against their packages: Claude Code reads ANTHROPIC_BASE_URL and sends
// ANTHROPIC_AUTH_TOKEN as `Authorization: Bearer` (an empty ANTHROPIC_API_KEY keeps it from preferring a stored
// Anthropic key); Codex reads `model_providers.<id>` tables with `base_url`, `wire_api` (only "responses" is
// supported) and `env_key` (the variable holding the key); `new Ollama({ host, headers })` is the ollama package's.
export type SnippetClient = 'claude-code' | 'codex' | 'open-webui' | 'ollama-js' | 'curl' | 'js' | 'python';

export interface ClientInfo {
  id: SnippetClient;
  label: string;
  /** One line under the snippet: which protocol the client speaks and where the text goes. */
  hint: string;
}

export const CLIENTS: readonly ClientInfo[] = [
  {
    id: 'claude-code',
    label: 'Claude Code',
    hint: 'Anthropic Messages API (/v1/messages). Paste into the shell that runs claude.',
  },
  {
    id: 'codex',
    label: 'Codex CLI',
    hint: 'OpenAI Responses API (/v1/responses). Add the provider to ~/.codex/config.toml, export the key, run codex.',
  },
  {
    id: 'open-webui',
    label: 'Open WebUI',
    hint: 'Ollama API (/api/*) and OpenAI API (/v1): enter these under Admin Panel → Settings → Connections.',
  },
  { id: 'ollama-js', label: 'ollama (JS)', hint: "Ollama's native API (/api/chat): npm install ollama." },
  { id: 'curl', label: 'curl', hint: 'OpenAI Chat Completions (/v1/chat/completions).' },
  { id: 'js', label: 'JavaScript', hint: 'The openai SDK (npm install openai) on /v1.' },
  { id: 'python', label: 'Python', hint: 'The openai SDK (pip install openai) on /v1.' },
];

/** Shell word: as is when it is plainly safe, else in single quotes. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./$-]+$/.test(value) && !value.includes('$(') ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The key as a shell word: the $LLMGW_KEY placeholder stays a variable reference, a real key is quoted as needed. */
const shellKey = (key: string) => (key.startsWith('$') ? `"${key}"` : shellWord(key));

export function snippet(client: SnippetClient, baseUrl: string, key: string, model: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  const v1 = `${base}/v1`;
  const q = (s: string) => JSON.stringify(s);
  switch (client) {
    case 'claude-code':
      return [
        `export ANTHROPIC_BASE_URL=${shellWord(base)}`,
        `export ANTHROPIC_AUTH_TOKEN=${shellKey(key)}`,
        `export ANTHROPIC_API_KEY=""  # empty: use the token above, not a stored Anthropic key`,
        `claude --model ${shellWord(model)}`,
      ].join('\n');
    case 'codex':
      return [
        `# ~/.codex/config.toml`,
        `model = ${q(model)}`,
        `model_provider = "llmgw"`,
        ``,
        `[model_providers.llmgw]`,
        `name = "LLM Gateway"`,
        `base_url = ${q(v1)}`,
        `wire_api = "responses"`,
        `env_key = "LLMGW_API_KEY"`,
        ``,
        `# then, in the shell:`,
        `export LLMGW_API_KEY=${shellKey(key)}`,
        `codex`,
      ].join('\n');
    case 'open-webui':
      return [
        `Ollama API connection`,
        `  URL:  ${base}`,
        `  Auth: Bearer`,
        `  Key:  ${key}`,
        ``,
        `OpenAI API connection`,
        `  URL:  ${v1}`,
        `  Key:  ${key}`,
        ``,
        `Model: ${model} (both connections list only this key's models)`,
        `Open WebUI in Docker reaches 127.0.0.1 only with --network=host.`,
      ].join('\n');
    case 'ollama-js':
      return [
        `import { Ollama } from 'ollama';`,
        ``,
        `const ollama = new Ollama({`,
        `  host: ${q(base)},`,
        `  headers: { Authorization: ${q(`Bearer ${key}`)} },`,
        `});`,
        `const reply = await ollama.chat({`,
        `  model: ${q(model)},`,
        `  messages: [{ role: 'user', content: 'Hello!' }],`,
        `});`,
        `console.log(reply.message.content);`,
      ].join('\n');
    case 'curl':
      return [
        `curl ${v1}/chat/completions \\`,
        `  -H "Authorization: Bearer ${key}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d '${JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] }).replace(/'/g, `'\\''`)}'`,
      ].join('\n');
    case 'js':
      return [
        `import OpenAI from 'openai';`,
        ``,
        `const client = new OpenAI({ baseURL: ${q(v1)}, apiKey: ${q(key)} });`,
        `const reply = await client.chat.completions.create({`,
        `  model: ${q(model)},`,
        `  messages: [{ role: 'user', content: 'Hello!' }],`,
        `});`,
        `console.log(reply.choices[0].message.content);`,
      ].join('\n');
    case 'python':
      return [
        `from openai import OpenAI`,
        ``,
        `client = OpenAI(base_url=${q(v1)}, api_key=${q(key)})`,
        `reply = client.chat.completions.create(`,
        `    model=${q(model)},`,
        `    messages=[{"role": "user", "content": "Hello!"}],`,
        `)`,
        `print(reply.choices[0].message.content)`,
      ].join('\n');
  }
}
