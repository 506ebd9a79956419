// Rebuilds the staged app's native modules (release/app/node_modules) for Electron's ABI, in the staged copy only.
// Why not electron-builder's own rebuild (npmRebuild, or a beforeBuild hook that lets it go on): it hands
// @electron/rebuild the checkout (the workspace root) as projectRootPath, and @electron/rebuild rebuilds every copy of
// a module it finds walking from the app folder up to that root, so the checkout's better-sqlite3 would be rebuilt in
// place for Electron and `npm test` / the CLI (plain Node) could no longer load it. A hook returning false is no way
// out either: electron-builder then leaves node_modules out of the package altogether. So electron-builder.yml says
// npmRebuild: false, run.mjs calls this first, and electron-builder packs the staged node_modules as they are.
import path from 'node:path';
import { rebuild } from '@electron/rebuild';
import { nativeModules, productionClosure } from './stage.mjs';

const ARCH_FLAGS = ['x64', 'ia32', 'armv7l', 'arm64', 'universal'];
const PLATFORM_FLAGS = {
  '--linux': 'linux',
  '-l': 'linux',
  '--mac': 'darwin',
  '-m': 'darwin',
  '--win': 'win32',
  '-w': 'win32',
};

/** The one platform and arch this run packages: native addons are compiled here, for one target, no cross-compiling. */
export function distTarget(args, host = { platform: process.platform, arch: process.arch }) {
  const platforms = [...new Set(args.filter((a) => a in PLATFORM_FLAGS).map((a) => PLATFORM_FLAGS[a]))];
  const arches = ARCH_FLAGS.filter((arch) => args.includes(`--${arch}`));
  if (platforms.some((p) => p !== host.platform)) {
    throw new Error(
      `packages for ${platforms.join(', ')} are built on that OS (better-sqlite3 is compiled for it); this is ${host.platform}`,
    );
  }
  if (arches.length > 1 || arches.includes('universal'))
    throw new Error('one arch per run (--x64 or --arm64 ...): native addons are built for one');
  return { platform: host.platform, arch: arches[0] ?? host.arch };
}

/** @param {{ appDir: string; electronVersion: string; platform: NodeJS.Platform; arch: string }} target */
export async function rebuildStaged(target) {
  const appDir = path.resolve(target.appDir);
  // The staged package.json is trimmed (no allowScripts): the policy comes from the checkout's.
  const onlyModules = nativeModules(appDir, productionClosure(appDir));
  console.log(
    `rebuilding ${onlyModules.join(', ') || 'no native module'} for Electron ${target.electronVersion} (${target.platform}-${target.arch}) in ${appDir}`,
  );
  if (onlyModules.length === 0) return onlyModules;
  // node-gyp and prebuild-install take npm_config_* from the environment, and an npmrc `nodedir` (these machines set
  // nodedir=/usr) would compile against the local Node's headers instead of Electron's: an addon Electron refuses.
  for (const key of Object.keys(process.env)) {
    if (key.toLowerCase() === 'npm_config_nodedir') delete process.env[key];
  }
  await rebuild({
    buildPath: appDir,
    // Bounds the module search to the staged folder: the checkout's node_modules are never looked at.
    projectRootPath: appDir,
    electronVersion: target.electronVersion,
    platform: target.platform,
    arch: target.arch,
    // Only the modules the project allows to build (allowScripts): ssh2's optional cpu-features stays unbuilt, as in the checkout.
    onlyModules,
    // The staged copy carries the checkout's Node-ABI build: always replace it.
    force: true,
    mode: 'sequential',
  });
  return onlyModules;
}
