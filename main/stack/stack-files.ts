// Copies a packaged app's stack files (<resources>/stack: the compose file, its bind-mounted nginx files and the gateway
// image's build context) into $LLMGW_HOME/stack, so that compose runs from a stable, Docker-readable folder.
// Why: the compose file bind-mounts files next to it. From an AppImage those live in a per-launch FUSE mount under /tmp
// (a new path each launch, usually unreadable by a root Docker daemon); on macOS Docker Desktop does not share
// /Applications by default, but does share the user's home (where LLMGW_HOME is).
import { createHash, type Hash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { composeFile, PACKAGED_STACK_DIR } from './paths.js';

/** The copy's folder under LLMGW_HOME (same name as under <resources>, so the layout reads the same). */
export const STACK_DIR = PACKAGED_STACK_DIR;
/** Marker in the copy: the tree hash of what was copied, so a launch can tell whether the shipped files changed. */
export const SOURCE_HASH_FILE = '.source-hash';
// Siblings of the copy while it is replaced; any found at start-up are leftovers of an interrupted run.
const TMP_PREFIX = '.stack-tmp-';
const OLD_PREFIX = '.stack-old-';

export interface InstallStackOptions {
  /** The shipped stack folder, `<resources>/stack`. */
  source: string;
  /** LLMGW_HOME. */
  home: string;
}

export interface InstalledStack {
  /** `$LLMGW_HOME/stack/compose/docker-compose.yml`. */
  composeFile: string;
  /** Whether this call (re)wrote the copy. */
  copied: boolean;
}

/**
 * SHA-256 over a tree: every entry's relative path, type, executable bit and contents, in a fixed order. The executable
 * bit counts because the nginx entrypoint must stay executable; other mode bits vary with umask and do not matter.
 * The marker file at the top is left out so a copy can be checked against its own marker.
 */
export function treeHash(root: string): string {
  const hash = createHash('sha256');
  hashDir(hash, root, '');
  return hash.digest('hex');
}

function hashDir(hash: Hash, root: string, rel: string): void {
  // Code-unit order, not locale order: the same on every machine.
  const names = readdirSync(path.join(root, rel)).sort();
  for (const name of names) {
    if (!rel && name === SOURCE_HASH_FILE) continue;
    const childRel = rel ? `${rel}/${name}` : name;
    const full = path.join(root, childRel);
    const stat = lstatSync(full);
    // Length-prefixed path so no two different trees feed the hash the same bytes.
    const header = `${Buffer.byteLength(childRel)}:${childRel}`;
    if (stat.isDirectory()) {
      hash.update(`d ${header}\n`);
      hashDir(hash, root, childRel);
    } else if (stat.isFile()) {
      hash.update(`f ${header} ${stat.mode & 0o111 ? 'x' : '-'} ${stat.size}\n`);
      hash.update(readFileSync(full));
    } else {
      // The staged stack holds plain files only; a link could point outside it, so refuse rather than guess.
      throw new Error(`${full}: not a regular file or folder`);
    }
  }
}

function copyTree(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    const src = path.join(from, name);
    const dst = path.join(to, name);
    const stat = lstatSync(src);
    if (stat.isDirectory()) {
      mkdirSync(dst);
      copyTree(src, dst);
    } else if (stat.isFile()) {
      copyFileSync(src, dst);
      // Keep the shipped mode (the nginx entrypoint is executable), but owner-writable: a read-only file in the copy
      // would make the next replacement fail on Windows.
      chmodSync(dst, (stat.mode & 0o777) | 0o200);
    } else {
      throw new Error(`${src}: not a regular file or folder`);
    }
  }
}

/** The copy's hash, or undefined when it cannot be read (e.g. a link put there): either way, copy afresh. */
function copyHash(dest: string): string | undefined {
  try {
    return treeHash(dest);
  } catch {
    return undefined;
  }
}

function readMarker(dest: string): string | undefined {
  try {
    return readFileSync(path.join(dest, SOURCE_HASH_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Makes `$LLMGW_HOME/stack` an exact copy of `source` and returns its compose file. Copies only when the shipped tree's
 * hash differs from the copy's marker, or the copy no longer matches its marker (edited, partly deleted): the folder
 * belongs to the app. The new copy is built in a temporary sibling and renamed into place, so compose never sees a
 * half-written tree and files that no longer ship disappear with the old copy.
 */
export function installStackFiles(options: InstallStackOptions): InstalledStack {
  const source = path.resolve(options.source);
  const home = path.resolve(options.home);
  const dest = path.join(home, STACK_DIR);
  const result = (copied: boolean): InstalledStack => ({
    composeFile: path.join(dest, 'compose', 'docker-compose.yml'),
    copied,
  });

  if (!existsSync(path.join(source, 'compose', 'docker-compose.yml'))) {
    throw new Error(`${source}: no compose/docker-compose.yml`);
  }
  const sourceHash = treeHash(source);
  const marker = readMarker(dest);
  if (marker === sourceHash && copyHash(dest) === marker) return result(false);

  mkdirSync(home, { recursive: true, mode: 0o700 });
  // The app holds a single-instance lock, so any such sibling is an interrupted run's, never a live one's.
  for (const name of readdirSync(home)) {
    if (name.startsWith(TMP_PREFIX) || name.startsWith(OLD_PREFIX))
      rmSync(path.join(home, name), { recursive: true, force: true });
  }
  const tmp = mkdtempSync(path.join(home, TMP_PREFIX));
  try {
    copyTree(source, tmp);
    const copiedHash = treeHash(tmp);
    if (copiedHash !== sourceHash) throw new Error(`${source} changed while it was copied`);
    writeFileSync(path.join(tmp, SOURCE_HASH_FILE), `${copiedHash}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o700);
    if (existsSync(dest)) {
      const old = `${path.join(home, OLD_PREFIX)}${process.pid}-${Date.now()}`;
      renameSync(dest, old);
      try {
        renameSync(tmp, dest);
      } catch (err) {
        renameSync(old, dest);
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dest);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return result(true);
}

export interface PackagedComposeOptions {
  /** Electron's `process.resourcesPath`. */
  resourcesPath: string;
  /** LLMGW_HOME. */
  home: string;
  warn?: (message: string) => void;
}

/**
 * The compose file a packaged app runs: LLMGW_COMPOSE_FILE if set (nothing copied), else the copy in $LLMGW_HOME/stack.
 * If the copy cannot be made, the resources path: the app must still start, and compose may well work from there
 * (a rootless daemon, an unpacked install).
 */
export function packagedComposeFile(env: NodeJS.ProcessEnv, options: PackagedComposeOptions): string {
  if (env.LLMGW_COMPOSE_FILE) return composeFile(env);
  try {
    return installStackFiles({ source: path.join(options.resourcesPath, PACKAGED_STACK_DIR), home: options.home })
      .composeFile;
  } catch (err) {
    const fallback = composeFile(env, { resourcesPath: options.resourcesPath });
    (options.warn ?? console.warn)(
      `stack files: could not copy them to ${path.join(options.home, STACK_DIR)} (${err instanceof Error ? err.message : String(err)}); using ${fallback}`,
    );
    return fallback;
  }
}
