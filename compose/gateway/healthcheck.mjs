// Container healthcheck: the gateway's liveness endpoint answers 200 (node's fetch; the slim image has no curl).
const port = process.env.PORT ?? '3000';
const timer = setTimeout(() => process.exit(1), 3000);
fetch(`http://127.0.0.1:${port}/health`)
  .then((res) => process.exit(res.ok ? 0 : 1))
  .catch(() => process.exit(1))
  .finally(() => clearTimeout(timer));
