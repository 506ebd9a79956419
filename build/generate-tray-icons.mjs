// Writes the tray placeholder icons (node only, no image libraries): a filled status dot per state, 16 px and
// @2x 32 px, plus macOS "Template" variants (black + alpha, tinted by the menu bar). Run: node build/generate-tray-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const STATUSES = {
  stopped: [128, 128, 128],
  starting: [52, 120, 246],
  healthy: [40, 167, 69],
  degraded: [255, 159, 10],
  down: [220, 53, 69],
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

/** RGBA PNG of a dot; `ring` leaves a hollow centre (stopped/starting read differently without colour, e.g. Template). */
function png(size, [r, g, b], style) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const c = (size - 1) / 2;
  const outer = size * 0.42;
  const inner = size * 0.22;
  for (let y = 0; y < size; y += 1) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x += 1) {
      const d = Math.hypot(x - c, y - c);
      let a = Math.max(0, Math.min(1, outer + 0.5 - d)); // anti-aliased edge
      if (style === 'ring') a *= Math.max(0, Math.min(1, d - inner + 0.5));
      if (style === 'half' && x < c) a *= 0.45;
      if (style === 'notch' && x > c && y < c) a *= 0.15;
      if (style === 'bar' && Math.abs(y - c) < size * 0.1) a = 0;
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = Math.round(a * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Distinct shapes, so the monochrome Template images tell the states apart without colour. */
const SHAPES = { stopped: 'ring', starting: 'half', healthy: 'dot', degraded: 'notch', down: 'bar' };
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tray');
mkdirSync(out, { recursive: true });
for (const [status, rgb] of Object.entries(STATUSES)) {
  for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
    writeFileSync(path.join(out, `tray-${status}${suffix}.png`), png(size, rgb, SHAPES[status]));
    writeFileSync(path.join(out, `tray-${status}Template${suffix}.png`), png(size, [0, 0, 0], SHAPES[status]));
  }
}
console.log(`tray icons written to ${out}`);
