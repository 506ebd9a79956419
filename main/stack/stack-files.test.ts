// installStackFiles / packagedComposeFile against temp folders: first copy, no-op relaunch, re-copy on shipped changes
// or a damaged copy, stale files, modes, and the fallback to the resources path.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installStackFiles, packagedComposeFile, SOURCE_HASH_FILE, treeHash } from './stack-files.js';

const posix = process.platform !== 'win32';

describe('stack files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tmp = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-stack-files-'));
    dirs.push(dir);
    return dir;
  };
  const write = (root: string, rel: string, text: string, mode = 0o644) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
    chmodSync(path.join(root, rel), mode);
  };
  /** A shipped `<resources>/stack` in the checkout's layout, like release/stack. */
  const shipped = () => {
    const resources = path.join(tmp(), 'resources');
    const source = path.join(resources, 'stack');
    write(source, 'compose/docker-compose.yml', 'services: {}\n');
    write(source, 'compose/nginx/nginx.conf', 'events {}\n');
    write(source, 'compose/nginx/entrypoint.sh', '#!/bin/sh\nexec nginx\n', 0o755);
    write(source, 'gateway/src/server.ts', 'export {};\n');
    write(source, '.dockerignore', '*\n');
    return { resources, source };
  };

  it('copies the whole tree on first run, with modes, a 0700 folder and the marker; returns the compose file', () => {
    const { source } = shipped();
    const home = path.join(tmp(), 'home');
    const installed = installStackFiles({ source, home });
    const dest = path.join(home, 'stack');
    expect(installed).toEqual({ composeFile: path.join(dest, 'compose', 'docker-compose.yml'), copied: true });
    for (const rel of [
      'compose/docker-compose.yml',
      'compose/nginx/nginx.conf',
      'compose/nginx/entrypoint.sh',
      'gateway/src/server.ts',
      '.dockerignore',
    ]) {
      expect(readFileSync(path.join(dest, rel), 'utf8')).toBe(readFileSync(path.join(source, rel), 'utf8'));
    }
    expect(readFileSync(path.join(dest, SOURCE_HASH_FILE), 'utf8').trim()).toBe(treeHash(source));
    expect(readdirSync(home)).toEqual(['stack']); // no temporary siblings left
    if (posix) {
      expect(statSync(path.join(dest, 'compose/nginx/entrypoint.sh')).mode & 0o777).toBe(0o755);
      expect(statSync(path.join(dest, 'compose/nginx/nginx.conf')).mode & 0o111).toBe(0);
      expect(statSync(dest).mode & 0o777).toBe(0o700);
      expect(statSync(home).mode & 0o777).toBe(0o700);
    }
  });

  it('does not copy again while the shipped files are unchanged', () => {
    const { source } = shipped();
    const home = tmp();
    installStackFiles({ source, home });
    const before = statSync(path.join(home, 'stack')).ino;
    expect(installStackFiles({ source, home }).copied).toBe(false);
    expect(statSync(path.join(home, 'stack')).ino).toBe(before);
  });

  it('replaces the copy when the shipped content changes, dropping files that no longer ship', () => {
    const { source } = shipped();
    const home = tmp();
    installStackFiles({ source, home });
    write(source, 'compose/nginx/nginx.conf', 'events { worker_connections 64; }\n');
    rmSync(path.join(source, 'gateway/src/server.ts'));
    write(source, 'gateway/src/main.ts', 'export {};\n');
    expect(installStackFiles({ source, home }).copied).toBe(true);
    const dest = path.join(home, 'stack');
    expect(readFileSync(path.join(dest, 'compose/nginx/nginx.conf'), 'utf8')).toContain('worker_connections');
    expect(existsSync(path.join(dest, 'gateway/src/server.ts'))).toBe(false);
    expect(existsSync(path.join(dest, 'gateway/src/main.ts'))).toBe(true);
    expect(readFileSync(path.join(dest, SOURCE_HASH_FILE), 'utf8').trim()).toBe(treeHash(source));
    expect(readdirSync(home)).toEqual(['stack']);
  });

  it.runIf(posix)('counts a lost executable bit as a change, in the shipped files and in the copy', () => {
    const { source } = shipped();
    const home = tmp();
    const entrypoint = path.join(home, 'stack', 'compose/nginx/entrypoint.sh');
    installStackFiles({ source, home });
    chmodSync(entrypoint, 0o644);
    expect(installStackFiles({ source, home }).copied).toBe(true);
    expect(statSync(entrypoint).mode & 0o111).not.toBe(0);
    chmodSync(path.join(source, 'compose/nginx/entrypoint.sh'), 0o644);
    expect(installStackFiles({ source, home }).copied).toBe(true);
    expect(statSync(entrypoint).mode & 0o111).toBe(0);
  });

  it('repairs a copy that was edited or partly deleted, and clears leftovers of an interrupted run', () => {
    const { source } = shipped();
    const home = tmp();
    installStackFiles({ source, home });
    const dest = path.join(home, 'stack');
    write(dest, 'compose/nginx/nginx.conf', 'edited\n');
    rmSync(path.join(dest, 'gateway'), { recursive: true });
    write(dest, 'extra.txt', 'not shipped\n');
    mkdirSync(path.join(home, '.stack-tmp-abc123'));
    mkdirSync(path.join(home, '.stack-old-1-2'));
    expect(installStackFiles({ source, home }).copied).toBe(true);
    expect(treeHash(dest)).toBe(treeHash(source));
    expect(existsSync(path.join(dest, 'extra.txt'))).toBe(false);
    expect(readdirSync(home)).toEqual(['stack']);
  });

  it('gives different hashes to trees that differ only in where a file boundary falls', () => {
    const a = tmp();
    const b = tmp();
    write(a, 'x', 'ab');
    write(b, 'x', 'a');
    write(b, 'y', 'b');
    expect(treeHash(a)).not.toBe(treeHash(b));
  });

  it('refuses a source without a compose file and leaves an existing copy alone', () => {
    const { source } = shipped();
    const home = tmp();
    installStackFiles({ source, home });
    rmSync(path.join(source, 'compose', 'docker-compose.yml'));
    expect(() => installStackFiles({ source, home })).toThrow(/docker-compose\.yml/);
    expect(existsSync(path.join(home, 'stack', 'compose', 'docker-compose.yml'))).toBe(true);
  });

  it.runIf(posix)('refuses links in the shipped tree, without leaving a half copy', () => {
    const { source } = shipped();
    symlinkSync('/etc/passwd', path.join(source, 'compose', 'passwd'));
    const home = tmp();
    expect(() => installStackFiles({ source, home })).toThrow(/not a regular file/);
    expect(readdirSync(home)).toEqual([]);
  });

  describe('packagedComposeFile', () => {
    it('returns the copy in LLMGW_HOME/stack', () => {
      const { resources } = shipped();
      const home = tmp();
      expect(packagedComposeFile({}, { resourcesPath: resources, home })).toBe(
        path.join(home, 'stack', 'compose', 'docker-compose.yml'),
      );
    });

    it('honours LLMGW_COMPOSE_FILE and copies nothing', () => {
      const { resources } = shipped();
      const home = tmp();
      const own = path.join(tmp(), 'my-compose.yml');
      expect(packagedComposeFile({ LLMGW_COMPOSE_FILE: own }, { resourcesPath: resources, home })).toBe(own);
      expect(readdirSync(home)).toEqual([]);
    });

    it('falls back to the resources path, with a warning, when the copy fails', () => {
      const { resources } = shipped();
      // LLMGW_HOME is a file: nothing can be created under it.
      const home = path.join(tmp(), 'home');
      writeFileSync(home, '');
      const warnings: string[] = [];
      const file = packagedComposeFile({}, { resourcesPath: resources, home, warn: (m) => warnings.push(m) });
      expect(file).toBe(path.join(resources, 'stack', 'compose', 'docker-compose.yml'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(path.join(home, 'stack'));
    });
  });
});
