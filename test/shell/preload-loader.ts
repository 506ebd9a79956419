// Loads the REAL main/electron-main/preload.cts the way a sandboxed Electron preload runs: compiled to CommonJS, in
// its own V8 context, with a `require` that serves only 'electron' (a sandboxed preload cannot load local files or
// Node built-ins). The page's window is a separate object the preload cannot reach except through contextBridge.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import type { ElectronDouble, FakeBrowserWindow } from './electron-double.js';

export const PRELOAD_SOURCE = fileURLToPath(new URL('../../main/electron-main/preload.cts', import.meta.url));

export function loadPreload(double: ElectronDouble, win: FakeBrowserWindow): { required: string[] } {
  const source = readFileSync(PRELOAD_SOURCE, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: path.basename(PRELOAD_SOURCE),
  });
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
