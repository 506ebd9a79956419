// The dashboard window: renderer/dist/index.html when built, else a small built-in page; sandboxed, isolated, no
// Node; closing it only hides it (the app lives in the tray).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow } from 'electron';

const FALLBACK_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>LLM Gateway</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#222}code{background:#eee;padding:0 .3em}</style></head>
<body><h1>LLM Gateway</h1>
<p>The dashboard is not built yet. Use the tray menu to start the stack, copy keys, pull models and run the readiness suite.</p>
<p>OpenAI base URL: <code>http://localhost:3000/v1</code></p></body></html>
`;

export interface DashboardOptions {
  appRoot: string;
  home: string;
  preload: string;
}

/** file:// URL of the page to load (renderer build, or the fallback written into LLMGW_HOME). */
export function dashboardUrl(options: Pick<DashboardOptions, 'appRoot' | 'home'>): string {
  const built = path.join(options.appRoot, 'renderer', 'dist', 'index.html');
  if (existsSync(built)) return pathToFileURL(built).href;
  const dir = path.join(options.home, 'ui');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'index.html');
  writeFileSync(file, FALLBACK_HTML);
  return pathToFileURL(file).href;
}

export class DashboardWindow {
  private win: BrowserWindow | null = null;
  private quitting = false;
  readonly url: string;

  constructor(private readonly options: DashboardOptions) {
    this.url = dashboardUrl(options);
  }

  get window(): BrowserWindow | null {
    return this.win;
  }

  /** Lets the window really close (app quit). */
  allowClose(): void {
    this.quitting = true;
  }

  show(section?: string): void {
    if (!this.win || this.win.isDestroyed()) this.win = this.create();
    if (section)
      void this.win.webContents
        .executeJavaScript(`location.hash = ${JSON.stringify(`#/${section}`)}`)
        .catch(() => undefined);
    if (this.win.isMinimized()) this.win.restore();
    this.win.show();
    this.win.focus();
  }

  private create(): BrowserWindow {
    const win = new BrowserWindow({
      width: 1100,
      height: 760,
      show: false,
      title: 'LLM Gateway',
      webPreferences: {
        preload: this.options.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    win.on('close', (event) => {
      if (this.quitting) return;
      event.preventDefault(); // closing hides to the tray; pulls and the stack go on
      win.hide();
    });
    win.once('ready-to-show', () => win.show());
    void win.loadURL(this.url);
    return win;
  }
}
