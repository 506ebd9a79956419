// Loads the REAL main/electron-main/preload.cts the way a sandboxed Electron preload runs: as the one CommonJS file
// the build ships (bundled by the preload's own vite config when it has one, else compiled alone as tsc emits it),
// in its own V8 context, with a `require` that serves only 'electron' (a sandboxed preload cannot load local files or
// Node built-ins). The page's window is a separate object the preload cannot reach except through contextBridge.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import type { ElectronDouble, FakeBrowserWindow } from './electron-double.js';

export const PRELOAD_SOURCE = fileURLToPath(new URL('../../main/electron-main/preload.cts', import.meta.url));

const BUNDLE_CONFIG = path.join(path.dirname(PRELOAD_SOURCE), 'preload.vite.config.ts');

/** The preload as shipped: the build's bundle step run into a temp folder, or tsc's single-file output. */
async function shippedPreload(): Promise<string> {
  if (existsSync(BUNDLE_CONFIG)) {
    const { build } = await import('vite');
    const out = mkdtempSync(path.join(os.tmpdir(), 'llmgw-preload-'));
    try {
      await build({ configFile: BUNDLE_CONFIG, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
      return readFileSync(path.join(out, 'preload.cjs'), 'utf8');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const { outputText } = ts.transpileModule(readFileSync(PRELOAD_SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: path.basename(PRELOAD_SOURCE),
  });
  return outputText;
}

export async function loadPreload(double: ElectronDouble, win: FakeBrowserWindow): Promise<{ required: string[] }> {
  const outputText = await shippedPreload();
  const required: string[] = [];
  const electron = double.module();
  const module = { exports: {} as Record<string, unknown> };
  const context = vm.createContext({
    module,
    exports: module.exports,
    require: (id: string) => {
      required.push(id);
      if (id === 'electron') return electron;
      throw new Error(`module not found: ${id} (a sandboxed preload can only require 'electron')`);
    },
  });
  double.rendererOf = win;
  vm.runInContext(outputText, context, { filename: PRELOAD_SOURCE });
  return { required };
}
