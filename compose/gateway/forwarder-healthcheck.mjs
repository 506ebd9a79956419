// Container healthcheck of the ollama-forwarder service: healthy while it relays (listening), waits for Ollama
// (waiting: the stack is up, Ollama is not, and the diagnosis says so) or stepped aside for an Ollama that listens
// on the bridge address itself; unhealthy when it cannot listen at all (unavailable) or has not started.
// Prints the state line, so `docker inspect` shows why.
import { readFileSync } from 'node:fs';

let line;
try {
  line = readFileSync(process.env.FORWARD_STATE_FILE || '/tmp/ollama-forwarder.state', 'utf8').trim();
} catch {
  line = 'starting (no state yet)';
}
console.log(line);
process.exit(/^(listening|waiting|stepped-aside) /.test(`${line} `) ? 0 : 1);
