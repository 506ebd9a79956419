// `npm run dist`: stages the app (stage.mjs), rebuilds its native modules for Electron (native-rebuild.mjs), runs
// electron-builder on it (arguments pass through, e.g. `npm run dist -- --linux dir`), and makes sure the checkout's
// native builds come out as they went in, so `npm test` and the CLI keep working after any run, failed or not.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distTarget, rebuildStaged } from './native-rebuild.mjs';
import { nativeModules, ROOT, stageApp, stageStack } from './stage.mjs';

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every compiled addon (*.node) of the checkout's native modules. */
function checkoutAddons() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.node')) files.push(full);
    }
  };
  for (const name of nativeModules()) {
    const build = path.join(ROOT, 'node_modules', name, 'build');
    if (existsSync(build)) walk(build);
  }
  return files;
}

// Belt and braces: the rebuild is confined to the staged copy (native-rebuild.mjs), but should anything rebuild the
// checkout's addons for Electron anyway (a changed electron-builder, npmRebuild switched back on), put them back.
const backup = mkdtempSync(path.join(os.tmpdir(), 'llmgw-dist-'));
const saved = checkoutAddons().map((file, i) => {
  const copy = path.join(backup, `${i}.node`);
  copyFileSync(file, copy);
  return { file, copy, hash: sha256(file) };
});

let status = 1;
try {
  const args = process.argv.slice(2);
  const target = distTarget(args);
  const { stage, packages } = stageApp();
  console.log(`staged ${path.relative(ROOT, stage)} (${packages.length} packages)`);
  const stack = stageStack();
  console.log(`staged ${path.relative(ROOT, stack.stage)} (${stack.files.length} files)`);
  const electronVersion = JSON.parse(
    readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8'),
  ).version;
  await rebuildStaged({ appDir: stage, electronVersion, ...target });
  const bin = path.join(
    ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder',
  );
  const result = spawnSync(bin, ['--config', 'electron-builder.yml', ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  status = result.status ?? 1;
} catch (err) {
  console.error(`dist: ${err instanceof Error ? err.message : err}`);
} finally {
  for (const { file, copy, hash } of saved) {
    if (!existsSync(file) || sha256(file) !== hash) {
      mkdirSync(path.dirname(file), { recursive: true }); // node-gyp rebuild starts by removing build/
      copyFileSync(copy, file);
      console.warn(`restored the checkout's Node build of ${path.relative(ROOT, file)}`);
    }
  }
  rmSync(backup, { recursive: true, force: true });
}
process.exit(status);
