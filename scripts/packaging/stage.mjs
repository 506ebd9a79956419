// Stages the packaged app's folder (electron-builder's "two package.json" layout, directories.app in
// electron-builder.yml): the built code, a package.json with the runtime dependencies only, and a copy of their
// node_modules. The native modules are then rebuilt for Electron's ABI in this copy (native-rebuild.mjs), so the
// checkout's node_modules keep the Node ABI that the tests and the CLI load. No network: everything comes from the
// checkout's installed node_modules, i.e. exactly the lockfile's versions.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Relative to the checkout; electron-builder.yml's directories.app names the same folder. */
export const STAGE_DIR = path.join('release', 'app');
/** The stack's files (compose + the gateway image's build context); extraResources ship it as <resources>/stack. */
export const STACK_STAGE_DIR = path.join('release', 'stack');
/** What the app runs, relative to the checkout (built by `npm run build`). */
export const APP_PATHS = ['dist/common', 'dist/main', 'dist/gateway', 'renderer/dist'];

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/**
 * The app's runtime dependencies: the root package's plus those of its workspaces (the embedded gateway runs
 * in-process, and its own dependencies, e.g. prom-client, live in gateway/package.json).
 */
export function runtimeDependencies(root = ROOT) {
  const pkg = readJson(path.join(root, 'package.json'));
  const deps = { ...pkg.dependencies };
  for (const workspace of pkg.workspaces ?? []) {
    const ws = readJson(path.join(root, workspace, 'package.json'));
    for (const [name, version] of Object.entries(ws.dependencies ?? {})) {
      if (deps[name] !== undefined && deps[name] !== version) {
        throw new Error(`${name}: ${deps[name]} in package.json, ${version} in ${workspace}/package.json`);
      }
      deps[name] = version;
    }
  }
  return Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
}

/** Node's lookup: the nearest node_modules/<name> from `fromDir` up to the checkout. */
function resolvePackageDir(root, name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return null;
  }
}

/**
 * Every installed package the runtime dependencies need (dependencies and installed optionalDependencies, transitively),
 * as folders relative to the checkout, e.g. node_modules/better-sqlite3, node_modules/x/node_modules/y.
 */
export function productionClosure(root = ROOT, deps = runtimeDependencies(root)) {
  const found = new Set();
  const queue = Object.keys(deps).map((name) => ({ name, from: root, optional: false }));
  while (queue.length > 0) {
    const { name, from, optional } = queue.shift();
    const dir = resolvePackageDir(root, name, from);
    if (dir === null) {
      if (optional) continue; // e.g. another platform's optional binary
      throw new Error(
        `${name} (needed by ${path.relative(root, from) || 'package.json'}) is not installed: run npm ci`,
      );
    }
    const rel = path.relative(root, dir);
    if (found.has(rel)) continue;
    found.add(rel);
    const pkg = readJson(path.join(dir, 'package.json'));
    for (const child of Object.keys(pkg.dependencies ?? {})) queue.push({ name: child, from: dir, optional: false });
    for (const child of Object.keys(pkg.optionalDependencies ?? {}))
      queue.push({ name: child, from: dir, optional: true });
  }
  return [...found].sort();
}

/**
 * Packages whose install scripts the project allows (the checkout's package.json allowScripts) among `closure`
 * (folders relative to `root`): the only native builds the app ships.
 */
export function nativeModules(
  root = ROOT,
  closure = productionClosure(root),
  allowScripts = readJson(path.join(ROOT, 'package.json')).allowScripts ?? {},
) {
  const names = new Set(closure.map((rel) => readJson(path.join(root, rel, 'package.json')).name));
  return Object.keys(allowScripts)
    .filter((name) => allowScripts[name] === true && names.has(name))
    .sort();
}

/** The staged package.json: what electron-builder reads as the app's metadata. */
export function stagedPackageJson(root = ROOT) {
  const pkg = readJson(path.join(root, 'package.json'));
  return {
    name: pkg.name,
    productName: 'LLM Gateway',
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    author: { name: 'LLM Gateway developers' },
    type: pkg.type,
    main: pkg.main,
    dependencies: runtimeDependencies(root),
  };
}

/**
 * Lays out `stage` afresh. `nodeModules: false` skips the (large) dependency copy: the tests check the layout only.
 * Returns the staged folder and the copied package folders.
 */
export function stageApp({ root = ROOT, stage = path.join(root, STAGE_DIR), nodeModules = true } = {}) {
  for (const rel of APP_PATHS) {
    if (!existsSync(path.join(root, rel))) throw new Error(`${rel} is missing: run npm run build first`);
  }
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(stagedPackageJson(root), null, 2)}\n`);
  for (const rel of APP_PATHS) cpSync(path.join(root, rel), path.join(stage, rel), { recursive: true });
  const packages = nodeModules ? productionClosure(root) : [];
  for (const rel of packages) {
    const from = realpathSync(path.join(root, rel));
    const nested = path.join(from, 'node_modules');
    // A package's own node_modules holds other closure entries (copied on their own) or packages it does not need.
    cpSync(from, path.join(stage, rel), {
      recursive: true,
      dereference: true,
      filter: (src) => src !== nested && !src.startsWith(`${nested}${path.sep}`),
    });
  }
  return { stage, packages };
}

/**
 * The files `docker compose` needs at run time, relative to the checkout: compose/ (the compose file, the nginx
 * bind mounts, the Dockerfile) and the image's build context (context `..` = the project root), which is exactly
 * what /.dockerignore lets through (read with dockerode's own dockerignore parser), .dockerignore included.
 * Staged rather than listed in electron-builder.yml: an extraResources entry taken from the project root also
 * becomes an exclude pattern for the app's own files, and "package.json" there would drop the app's package.json.
 */
export function stackFiles(root = ROOT) {
  const ignore = createRequire(import.meta.url)('@balena/dockerignore');
  const dockerignore = ignore().add(readFileSync(path.join(root, '.dockerignore'), 'utf8'));
  const files = ['.dockerignore'];
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        // Never part of the stack, and large: no need to look inside.
        if (!rel && ['.git', 'node_modules', 'release', 'dist'].includes(entry.name)) continue;
        walk(child);
      } else if (child.startsWith('compose/') ? !child.endsWith('.md') : !dockerignore.ignores(child)) {
        files.push(child);
      }
    }
  };
  walk('');
  return [...new Set(files)].sort();
}

/** Lays out the stack folder afresh (see stackFiles); returns the copied files. */
export function stageStack({ root = ROOT, stage = path.join(root, STACK_STAGE_DIR) } = {}) {
  rmSync(stage, { recursive: true, force: true });
  const files = stackFiles(root);
  for (const rel of files) cpSync(path.join(root, rel), path.join(stage, rel));
  return { stage, files };
}
