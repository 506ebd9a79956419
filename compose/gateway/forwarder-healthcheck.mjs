// Container healthcheck of the ollama-forwarder service: something accepts connections on the forwarder's listen
// address — the forwarder itself, or the user's Ollama when the forwarder stepped aside for it.
import net from 'node:net';
import { networkInterfaces } from 'node:os';

const listen = process.env.FORWARD_LISTEN || `${networkInterfaces().docker0?.find((a) => a.family === 'IPv4')?.address ?? '127.0.0.1'}:11434`;
const at = listen.lastIndexOf(':');
const timer = setTimeout(() => process.exit(1), 3000);
const socket = net.connect({ host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) }, () => {
  clearTimeout(timer);
  socket.destroy();
  process.exit(0);
});
socket.on('error', () => process.exit(1));
