// Writes the tray placeholder icons (node only, no image libraries): a filled status dot per state, 16 px and
// @2x 32 px, plus macOS "Template" variants (black + alpha, tinted by the menu bar), and the app icon build/icon.png
// (512 px; electron-builder derives the .icns/.ico and Linux sizes from it). Run: node build/generate-tray-icons.mjs
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

function encodePng(size, raw) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The app icon: a dark rounded square with one gateway node (ring) feeding three replica dots, in the tray's green.
 * Coverage is computed per pixel from signed distances, so edges are anti-aliased at any size.
 */
function appIcon(size) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const s = size / 512;
  const clamp = (v) => Math.max(0, Math.min(1, v));
  const box = (x, y, half, radius) => {
    const qx = Math.abs(x - 256 * s) - (half - radius);
    const qy = Math.abs(y - 256 * s) - (half - radius);
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };
  const segment = (x, y, ax, ay, bx, by) => {
    const [px, py, vx, vy] = [x - ax, y - ay, bx - ax, by - ay];
    const t = clamp((px * vx + py * vy) / (vx * vx + vy * vy));
    return Math.hypot(px - vx * t, py - vy * t);
  };
  const hub = [256 * s, 170 * s];
  const replicas = [
    [136 * s, 360 * s],
    [256 * s, 360 * s],
    [376 * s, 360 * s],
  ];
  for (let y = 0; y < size; y += 1) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x += 1) {
      const background = clamp(0.5 - box(x, y, 240 * s, 96 * s));
      let ink = clamp(0.5 - (Math.abs(Math.hypot(x - hub[0], y - hub[1]) - 58 * s) - 18 * s)); // the gateway ring
      for (const [rx, ry] of replicas) {
        ink = Math.max(ink, clamp(0.5 - (Math.hypot(x - rx, y - ry) - 40 * s))); // a replica
        ink = Math.max(ink, clamp(0.5 - (segment(x, y, hub[0], hub[1] + 76 * s, rx, ry - 40 * s) - 9 * s))); // its link
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      // Ink (tray green) over the background (slate), alpha from the rounded square.
      raw[o] = Math.round(31 + (40 - 31) * ink);
      raw[o + 1] = Math.round(41 + (167 - 41) * ink);
      raw[o + 2] = Math.round(55 + (69 - 55) * ink);
      raw[o + 3] = Math.round(background * 255);
    }
  }
  return encodePng(size, raw);
}

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
  return encodePng(size, raw);
}

/** Distinct shapes, so the monochrome Template images tell the states apart without colour. */
const SHAPES = { stopped: 'ring', starting: 'half', healthy: 'dot', degraded: 'notch', down: 'bar' };
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tray');
mkdirSync(out, { recursive: true });
for (const [status, rgb] of Object.entries(STATUSES)) {
  for (const [suffix, size] of [
    ['', 16],
    ['@2x', 32],
  ]) {
    writeFileSync(path.join(out, `tray-${status}${suffix}.png`), png(size, rgb, SHAPES[status]));
    writeFileSync(path.join(out, `tray-${status}Template${suffix}.png`), png(size, [0, 0, 0], SHAPES[status]));
  }
}
console.log(`tray icons written to ${out}`);
const icon = path.join(path.dirname(out), 'icon.png');
writeFileSync(icon, appIcon(512));
console.log(`app icon written to ${icon}`);
