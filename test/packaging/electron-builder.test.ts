// electron-builder.yml checked without packaging (the Electron zip and headers cannot be downloaded here): electron-
// builder's own loader and schema validation, the staged app layout its `files` select, the extraResources it ships,
// and the gateway image's build context against compose/gateway/Dockerfile. Nothing here touches the network.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Configuration } from 'app-builder-lib';
import { type FileMatcher, getFileMatchers } from 'app-builder-lib/out/fileMatcher.js';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_PATHS,
  nativeModules,
  productionClosure,
  ROOT,
  runtimeDependencies,
  STACK_STAGE_DIR,
  STAGE_DIR,
  stageApp,
  stageStack,
  stagedPackageJson,
} from '../../scripts/packaging/stage.mjs';
import { distTarget } from '../../scripts/packaging/native-rebuild.mjs';

const identity = (pattern: string) => pattern;

/** Every file under `root` that a matcher's filter selects, pruning folders the filter refuses (as electron-builder walks). */
function selected(root: string, filter: ReturnType<FileMatcher['createFilter']>): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (name === '.git') continue;
      const stat = statSync(full);
      if (!filter(full, stat)) continue;
      if (stat.isDirectory()) walk(full);
      else out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

describe('electron-builder.yml', () => {
  let config: Configuration;
  let stage: string;
  let tmp: string;

  beforeAll(async () => {
    config = await getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'), null);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'llmgw-packaging-'));
    stage = stageApp({ stage: path.join(tmp, 'app'), nodeModules: false }).stage;
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** The config's `files` or `extraResources` as electron-builder resolves them for a Linux build. */
  const matchersOf = (kind: 'files' | 'extraResources', defaultSrc: string): FileMatcher[] =>
    getFileMatchers(config, kind, path.join(tmp, kind === 'files' ? 'out' : 'resources'), {
      macroExpander: identity,
      customBuildOptions: config.linux ?? {},
      globalOutDir: path.join(tmp, 'out'),
      defaultSrc,
    })!;

  it("passes electron-builder's own validation (app-builder-lib/scheme.json)", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // ... which is live: an unknown option is refused.
    await expect(
      validateConfiguration({ ...config, notAnOption: true } as Configuration, new DebugLogger(false)),
    ).rejects.toThrow(/notAnOption/);
  });

  it('names the app and the targets per OS', () => {
    expect(config.appId).toBe('dev.llmgateway.desktop');
    expect(config.productName).toBe('LLM Gateway');
    expect(config.directories).toMatchObject({ app: STAGE_DIR, output: 'release', buildResources: 'build' });
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.linux?.category).toBe('Development');
    expect(config.linux?.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(config.win?.target).toEqual(['nsis']);
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('sets the Electron fuses that lock the app to its asar and take away file:// privileges (issue 14)', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('references build resources that exist', () => {
    for (const file of [config.mac?.entitlements, config.mac?.entitlementsInherit]) {
      expect(file && existsSync(path.join(ROOT, file)), String(file)).toBe(true);
    }
    expect(readFileSync(path.join(ROOT, config.mac!.entitlements!), 'utf8')).toContain(
      'com.apple.security.cs.allow-jit',
    );
    // The Electron-ABI rebuild is scripts/packaging's, in the staged copy; electron-builder's would reach the checkout.
    expect(config.npmRebuild).toBe(false);
  });

  it('stages a package.json with the runtime dependencies only, entry = the root package.json "main"', () => {
    const pkg = JSON.parse(readFileSync(path.join(stage, 'package.json'), 'utf8')) as ReturnType<
      typeof stagedPackageJson
    >;
    const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; version: string };
    expect(pkg.main).toBe(root.main);
    expect(pkg.version).toBe(root.version);
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(['better-sqlite3', 'dockerode', 'pino', 'prom-client']),
    );
    for (const dev of ['electron', 'electron-builder', 'vitest', 'typescript'])
      expect(pkg.dependencies).not.toHaveProperty(dev);
    expect(pkg.dependencies).toEqual(runtimeDependencies());
  });

  it('its `files` select what the app runs (entry, preload, dashboard) and leave out maps, sources and build leftovers', () => {
    // A fake node_modules in the stage: what a staged better-sqlite3 holds after the rebuild.
    const sqlite = path.join(stage, 'node_modules', 'better-sqlite3');
    for (const rel of [
      'package.json',
      'lib/index.js',
      'build/Release/better_sqlite3.node',
      'build/Release/obj.target/x.o',
      'build/Release/test_extension.node',
      'build/Makefile',
      'deps/sqlite3/sqlite3.c',
      'src/addon.cpp',
    ]) {
      mkdirSync(path.dirname(path.join(sqlite, rel)), { recursive: true });
      writeFileSync(path.join(sqlite, rel), '');
    }
    const [matcher] = matchersOf('files', stage);
    const filter = matcher!.createFilter();
    const files = selected(stage, filter);
    const main = JSON.parse(readFileSync(path.join(stage, 'package.json'), 'utf8')).main as string;
    for (const needed of [
      'package.json',
      main,
      'dist/main/electron-main/preload.cjs',
      'dist/main/control/api.js',
      'dist/gateway/src/server.js',
      'renderer/dist/index.html',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /\.test\.|\.ts$/.test(f))).toEqual([]);
    // node_modules are collected package by package (the walk skips the root node_modules): ask the filter per file.
    const kept = (rel: string) => filter(path.join(sqlite, rel), statSync(path.join(sqlite, rel)));
    expect(['package.json', 'lib/index.js', 'build/Release/better_sqlite3.node'].filter(kept)).toHaveLength(3);
    expect(
      [
        'build/Release/obj.target/x.o',
        'build/Release/test_extension.node',
        'build/Makefile',
        'deps/sqlite3/sqlite3.c',
        'src/addon.cpp',
      ].filter(kept),
    ).toEqual([]);
    expect(APP_PATHS.every((rel) => files.some((f) => f.startsWith(`${rel}/`)))).toBe(true);
  });

  it('ships the tray images as extraResources tray/ (main.ts loads <resources>/tray when packaged)', () => {
    const matchers = matchersOf('extraResources', ROOT);
    const tray = matchers.find((m) => m.to.endsWith(`${path.sep}tray`))!;
    expect(tray.from).toBe(path.join(ROOT, 'build', 'tray'));
    const images = selected(tray.from, tray.createFilter());
    for (const status of ['stopped', 'starting', 'healthy', 'degraded', 'down']) {
      for (const variant of ['', '@2x', 'Template', 'Template@2x'])
        expect(images).toContain(`tray-${status}${variant}.png`);
    }
  });

  it('has an app icon where electron-builder looks for one (buildResources/icon.png, at least 512 px, RGBA PNG)', () => {
    const icon = readFileSync(path.join(ROOT, config.directories?.buildResources ?? 'build', 'icon.png'));
    expect(icon.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(icon.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // IHDR width
    expect(icon.readUInt32BE(20)).toBe(icon.readUInt32BE(16)); // square
    expect(icon[25]).toBe(6); // colour type RGBA
  });

  it('ships the compose file and the whole gateway image build context as extraResources stack/, nothing else', () => {
    const matchers = matchersOf('extraResources', ROOT);
    const stackMatcher = matchers.find((m) => m.to.endsWith(`${path.sep}stack`))!;
    expect(stackMatcher.from).toBe(path.join(ROOT, STACK_STAGE_DIR));
    const { stage: stack, files } = stageStack({ stage: path.join(tmp, 'stack') });
    expect(stackMatcher.patterns).toEqual([]); // all of it
    // compose reads these itself (the file, bind mounts) ...
    for (const file of [
      'compose/docker-compose.yml',
      'compose/nginx/nginx.conf',
      'compose/nginx/entrypoint.sh',
      '.dockerignore',
    ]) {
      expect(files).toContain(file);
    }
    expect(statSync(path.join(stack, 'compose/nginx/entrypoint.sh')).mode & 0o111).not.toBe(0);
    // ... and the image build COPYs these from the context (the project root, `build: context: ..`).
    const dockerfile = readFileSync(path.join(ROOT, 'compose', 'gateway', 'Dockerfile'), 'utf8');
    const sources = dockerfile
      .split('\n')
      .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      const rel = source.replace(/\/$/, '');
      expect(
        files.some((f) => f === rel || f.startsWith(`${rel}/`)),
        `Dockerfile COPY ${source}`,
      ).toBe(true);
      expect(existsSync(path.join(stack, rel)), `staged ${rel}`).toBe(true);
    }
    expect(files).toContain('gateway/src/server.ts');
    // Nothing that is no part of the stack: tests, secrets, dependencies, the checkout's builds, docs.
    expect(
      files.filter((f) =>
        /\.test\.ts$|(^|\/)(\.env|stack\.env)$|^(node_modules|dist|release|test|bench|renderer)\/|\.md$/.test(f),
      ),
    ).toEqual([]);
    expect(
      files.every((f) =>
        /^(compose\/|gateway\/|main\/cli\/|common\/define-errors\.ts$|common\/protocol\/ip-rules\.ts$|\.dockerignore$|package\.json$|package-lock\.json$|tsconfig\.json$)/.test(
          f,
        ),
      ),
    ).toBe(true);
  });

  it("keeps the app's own files: extraResources become exclude patterns for the app (electron-builder quirk)", () => {
    // platformPackager turns every extraResources pattern, relative to the project, into an exclude pattern for the
    // app files; one taken from the project root with "package.json" once dropped the app's package.json.
    const matchers = matchersOf('extraResources', ROOT);
    // minimatch's Minimatch type, as app-builder-lib (CommonJS) sees it.
    const excludes: Parameters<FileMatcher['computeParsedPatterns']>[0] = [];
    for (const matcher of matchers) matcher.computeParsedPatterns(excludes, ROOT);
    const main = JSON.parse(readFileSync(path.join(stage, 'package.json'), 'utf8')).main as string;
    for (const file of [
      'package.json',
      main,
      'dist/main/electron-main/preload.cjs',
      'renderer/dist/index.html',
      'node_modules/better-sqlite3/package.json',
    ]) {
      expect(
        excludes.filter((pattern) => pattern.match(file)).map((pattern) => pattern.pattern),
        file,
      ).toEqual([]);
    }
  });
});

describe('dist staging', () => {
  it("copies the runtime dependencies' installed closure, not the dev tools", () => {
    const closure = productionClosure();
    for (const pkg of ['better-sqlite3', 'bindings', 'dockerode', 'prom-client', 'pino', 'zod'])
      expect(closure).toContain(`node_modules/${pkg}`);
    for (const dev of ['electron', 'electron-builder', 'vitest', 'typescript', 'vite', '@electron/rebuild']) {
      expect(closure).not.toContain(`node_modules/${dev}`);
    }
  });

  it('rebuilds for Electron only the native modules the allowScripts policy lets build', () => {
    expect(nativeModules()).toEqual(['better-sqlite3']);
    expect(nativeModules(ROOT, productionClosure(), { 'better-sqlite3': true, 'cpu-features': false })).toEqual([
      'better-sqlite3',
    ]);
  });

  it('packages for this OS and one arch (native addons are compiled here), with the pinned Electron', () => {
    const host = { platform: 'linux' as const, arch: 'x64' };
    expect(distTarget([], host)).toEqual(host);
    expect(distTarget(['--linux', 'dir', '--arm64'], host)).toEqual({ platform: 'linux', arch: 'arm64' });
    expect(() => distTarget(['--mac'], host)).toThrow(/built on that OS/);
    expect(() => distTarget(['--x64', '--arm64'], host)).toThrow(/one arch/);
    const root = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(root.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
    expect(root.devDependencies['electron-builder']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(root.scripts.dist).toContain('scripts/packaging/run.mjs');
  });
});
