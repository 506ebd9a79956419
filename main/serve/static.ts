// The built dashboard (renderer/dist) as static files: only files inside the folder, known types, index.html for
// "/", long caching for Vite's hashed assets and none for the page itself.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServeError } from './errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** renderer/dist of this checkout, found from this file (main/serve in sources, dist/main/serve when compiled). */
export function defaultDistDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(path.join(dir, 'renderer', 'index.html'))) return path.join(dir, 'renderer', 'dist');
    dir = path.dirname(dir);
  }
  return path.resolve(from, '../../renderer/dist');
}

export interface StaticFile {
  body: Buffer;
  type: string;
  cache: string;
}

export async function staticFile(distDir: string, pathname: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(distDir, relative);
  if (file !== distDir && !file.startsWith(distDir + path.sep)) return null;
  const type = TYPES[path.extname(file)];
  if (!type) return null;
  try {
    if (!(await stat(file)).isFile()) return null;
  } catch {
    if (relative === 'index.html')
      throw new ServeError('no_dashboard', `The dashboard is not built (${distDir} has no index.html).`);
    return null;
  }
  const hashed = relative.startsWith('assets/');
  return { body: await readFile(file), type, cache: hashed ? 'public, max-age=31536000, immutable' : 'no-cache' };
}
