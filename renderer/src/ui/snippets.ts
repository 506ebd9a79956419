// Copy-ready client snippets for the Overview: curl, JavaScript (the OpenAI SDK) and Python, for a base URL, a key
// and a model. Pure: tested without a browser.
export type SnippetLang = 'curl' | 'js' | 'python';

export function snippet(lang: SnippetLang, baseUrl: string, key: string, model: string): string {
  const v1 = `${baseUrl.replace(/\/+$/, '')}/v1`;
  const q = (s: string) => JSON.stringify(s);
  switch (lang) {
    case 'curl':
      return [
        `curl ${v1}/chat/completions \\`,
        `  -H "Authorization: Bearer ${key}" \\`,
        `  -H "Content-Type: application/json" \\`,
        `  -d '${JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello!' }] })}'`,
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
