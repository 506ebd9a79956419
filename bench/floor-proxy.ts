// The benchmark's baseline: a minimal node:http pass-through proxy (streams bodies both ways, keep-alive agent).
// It is the ceiling for any Node gateway; every ratio in the report is taken against it. It relays every path and
// header as is, so the same proxy is the floor of the chat, Anthropic SSE (/v1/messages) and NDJSON (/api/chat) loads.
import http from 'node:http';

const target = new URL(process.env.UPSTREAM_URL ?? 'http://127.0.0.1:11434');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

http
  .createServer((req, res) => {
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  })
  .listen(Number(process.env.PORT ?? 3100), '127.0.0.1', () => console.log('floor proxy listening'));
