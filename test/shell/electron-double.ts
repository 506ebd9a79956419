// TEST DOUBLE — never shipped. A recording stand-in for the slice of Electron's API the shell (main/electron-main)
// uses, so the real main.ts runs under Node in vitest. Every member is typed from the `electron` package's own types
// (Pick<Electron.X, …> / Electron.* parameter types), so a renamed or re-typed Electron API fails typechecking here
// instead of drifting silently. It models the behaviour the shell relies on: the single-instance lock across launches,
// quit → before-quit (cancellable) → windows closing (a prevented close cancels the quit), `web-contents-created`
// for every new window, IPC round trips between a window's renderer (preload) and ipcMain handlers, and
// nativeImage's silent empty image for a missing file.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import vm from 'node:vm';
import type * as Electron from 'electron';

/** An Electron.Event-like object that records preventDefault. */
export interface RecordedEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}
export function recordedEvent(): RecordedEvent {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

/** Emits with a fresh event; returns it so the caller can see whether the shell prevented the default. */
function emitPreventable(emitter: EventEmitter, name: string, ...rest: unknown[]): RecordedEvent {
  const event = recordedEvent();
  emitter.emit(name, event, ...rest);
  return event;
}

/** What a test wants from a launch: packaged or not, where the app and its resources are, the keychain state. */
export interface LaunchOptions {
  appPath: string;
  isPackaged?: boolean;
  encryptionAvailable?: boolean;
  storageBackend?: string;
}

// Launches share one lock (like one OS user session): the first holder gets `second-instance` from later ones.
const LOCK = Symbol.for('llmgw.test.electron-double.lock');
type LockHolder = { app: FakeApp | null };
const lockHolder = ((globalThis as Record<symbol, unknown>)[LOCK] ??= { app: null }) as LockHolder;

export class FakeApp extends EventEmitter {
  readonly isPackaged: Electron.App['isPackaged'];
  readonly loginItemSettings: Electron.Settings[] = [];
  quitRequests = 0;
  /** True once a quit went through (before-quit not prevented, every window closed). */
  quitted = false;
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(
    private readonly double: ElectronDouble,
    private readonly appPath: string,
    isPackaged: boolean,
  ) {
    super();
    this.isPackaged = isPackaged;
  }

  requestSingleInstanceLock: Electron.App['requestSingleInstanceLock'] = () => {
    const holder = lockHolder.app;
    if (holder && !holder.quitted && holder !== this) {
      holder.emit('second-instance', recordedEvent(), ['llm-gateway'], process.cwd(), null);
      return false;
    }
    lockHolder.app = this;
    return true;
  };

  whenReady: Electron.App['whenReady'] = () => this.ready;
  /** The test's "Electron finished initialising". */
  fireReady(): void {
    this.readyResolve();
  }

  getAppPath: Electron.App['getAppPath'] = () => this.appPath;

  setLoginItemSettings: Electron.App['setLoginItemSettings'] = (settings) => {
    this.loginItemSettings.push(settings);
  };

  quit: Electron.App['quit'] = () => {
    this.quitRequests += 1;
    if (emitPreventable(this, 'before-quit').defaultPrevented) return;
    // Electron closes every window first; one that prevents its close cancels the quit.
    for (const win of this.double.windows.filter((w) => !w.isDestroyed())) {
      if (!win.close()) return;
    }
    if (emitPreventable(this, 'will-quit').defaultPrevented) return;
    this.quitted = true;
    if (lockHolder.app === this) lockHolder.app = null;
    this.emit('quit');
  };
}

export class FakeImage {
  template = false;
  constructor(readonly path: string) {}
  isEmpty: Electron.NativeImage['isEmpty'] = () => !existsSync(this.path);
  setTemplateImage: Electron.NativeImage['setTemplateImage'] = (option) => {
    this.template = option;
  };
}

export class FakeMenu {
  constructor(readonly template: Electron.MenuItemConstructorOptions[]) {}

  /** The item with this id anywhere in the menu. */
  find(id: string, items = this.template): Electron.MenuItemConstructorOptions | undefined {
    for (const item of items) {
      if (item.id === id) return item;
      const sub = Array.isArray(item.submenu) ? item.submenu : undefined;
      const found = sub ? this.find(id, sub) : undefined;
      if (found) return found;
    }
    return undefined;
  }

  /** Clicks an enabled item as a user would; throws when it is missing or disabled (a user could not click it). */
  click(id: string): void {
    const item = this.find(id);
    if (!item) throw new Error(`no menu item ${id}; items: ${this.ids().join(', ')}`);
    if (item.enabled === false) throw new Error(`menu item ${id} (${item.label}) is disabled`);
    if (!item.click) throw new Error(`menu item ${id} has no click handler`);
    item.click({} as Electron.MenuItem, undefined, {} as Electron.KeyboardEvent);
  }

  ids(items = this.template): string[] {
    return items.flatMap((i) => [i.id ?? '', ...(Array.isArray(i.submenu) ? this.ids(i.submenu) : [])]).filter(Boolean);
  }
}

export class FakeTray {
  image: FakeImage;
  tooltip = '';
  menu: FakeMenu | null = null;
  readonly images: FakeImage[] = [];
  readonly tooltips: string[] = [];
  destroyed = false;

  constructor(image: FakeImage) {
    this.image = image;
    this.images.push(image);
  }
  setImage: (image: FakeImage) => void = (image) => {
    this.image = image;
    this.images.push(image);
  };
  setToolTip: Electron.Tray['setToolTip'] = (toolTip) => {
    this.tooltip = toolTip;
    this.tooltips.push(toolTip);
  };
  setContextMenu: (menu: FakeMenu | null) => void = (menu) => {
    this.menu = menu;
  };
  destroy: Electron.Tray['destroy'] = () => {
    this.destroyed = true;
  };
}

let nextContentsId = 1;

/** The renderer side of one window: its page's location and the listeners its preload registered. */
export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  readonly scripts: string[] = [];
  /** The page's `location` (executeJavaScript runs against it). */
  readonly location = { href: '', hash: '' };
  windowOpenHandler: Parameters<Electron.WebContents['setWindowOpenHandler']>[0] | null = null;
  readonly rendererListeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  destroyed = false;

  send: Electron.WebContents['send'] = (channel, ...args) => {
    this.sent.push({ channel, args });
    for (const l of this.rendererListeners.get(channel) ?? []) l({ sender: 'ipcRenderer' }, ...args);
  };
  executeJavaScript: Electron.WebContents['executeJavaScript'] = async (code) => {
    this.scripts.push(code);
    return vm.runInNewContext(code, { location: this.location }) as unknown;
  };
  setWindowOpenHandler: Electron.WebContents['setWindowOpenHandler'] = (handler) => {
    this.windowOpenHandler = handler;
  };
  isDestroyed: Electron.WebContents['isDestroyed'] = () => this.destroyed;

  /** The top frame as IPC reports it (`senderFrame`). */
  mainFrame(): { url: string; parent: null } {
    return { url: this.location.href, parent: null };
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  readonly loaded: string[] = [];
  visible = false;
  focused = false;
  minimized = false;
  private destroyed = false;

  constructor(
    readonly options: Electron.BrowserWindowConstructorOptions,
    double: ElectronDouble,
  ) {
    super();
    double.windows.push(this);
    // As in Electron, every new web contents is announced on the app (the shell hardens it there).
    double.app.emit('web-contents-created', recordedEvent(), this.webContents);
  }

  loadURL: Electron.BrowserWindow['loadURL'] = async (url) => {
    this.loaded.push(url);
    this.webContents.location.href = url;
    this.webContents.location.hash = new URL(url).hash;
    setImmediate(() => this.emit('ready-to-show', recordedEvent()));
  };
  show: Electron.BrowserWindow['show'] = () => {
    this.visible = true;
    this.emit('show');
  };
  hide: Electron.BrowserWindow['hide'] = () => {
    this.visible = false;
    this.emit('hide');
  };
  focus: Electron.BrowserWindow['focus'] = () => {
    this.focused = true;
  };
  isMinimized: Electron.BrowserWindow['isMinimized'] = () => this.minimized;
  minimize: Electron.BrowserWindow['minimize'] = () => {
    this.minimized = true;
    this.focused = false;
  };
  restore: Electron.BrowserWindow['restore'] = () => {
    this.minimized = false;
  };
  isDestroyed: Electron.BrowserWindow['isDestroyed'] = () => this.destroyed;

  /** The user (or app quit) closes the window; returns whether it really closed. */
  close(): boolean {
    if (emitPreventable(this, 'close').defaultPrevented) return false;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroyed = true;
    this.emit('closed');
    return true;
  }
}

export class FakeNotification {
  static supported = true;
  static isSupported: (typeof Electron.Notification)['isSupported'] = () => FakeNotification.supported;
  constructor(readonly options: Electron.NotificationConstructorOptions) {}
  show: Electron.Notification['show'] = () => {
    current().notifications.push(this.options);
  };
}

type InvokeHandler = Parameters<Electron.IpcMain['handle']>[1];

/** Everything one launch of the app asked of Electron, and the switches a test flips. */
export class ElectronDouble {
  readonly windows: FakeBrowserWindow[] = [];
  readonly trays: FakeTray[] = [];
  readonly notifications: Electron.NotificationConstructorOptions[] = [];
  readonly clipboardWrites: string[] = [];
  readonly openedExternal: string[] = [];
  readonly openedPaths: string[] = [];
  readonly dialogs: Electron.MessageBoxOptions[] = [];
  /** Answers for the next message boxes, in order (a test scripts the user's clicks). */
  readonly dialogAnswers: Electron.MessageBoxReturnValue[] = [];
  readonly handlers = new Map<string, InvokeHandler>();
  readonly exposed = new Map<string, unknown>();
  readonly session: {
    headersListener: Parameters<Electron.WebRequest['onHeadersReceived']>[0] | null;
    permissionRequest: Parameters<Electron.Session['setPermissionRequestHandler']>[0];
    permissionCheck: Parameters<Electron.Session['setPermissionCheckHandler']>[0];
  } = { headersListener: null, permissionRequest: null, permissionCheck: null };
  readonly app: FakeApp;
  private readonly encryptionAvailable: boolean;
  private readonly storageBackend: string;
  /** The window whose renderer the preload talks for (ipcRenderer). */
  rendererOf: FakeBrowserWindow | null = null;

  constructor(options: LaunchOptions) {
    this.app = new FakeApp(this, options.appPath, options.isPackaged ?? false);
    this.encryptionAvailable = options.encryptionAvailable ?? true;
    this.storageBackend = options.storageBackend ?? 'gnome_libsecret';
  }

  get tray(): FakeTray {
    const tray = this.trays[0];
    if (!tray) throw new Error('the shell created no tray');
    return tray;
  }

  /** An ipcMain.handle handler, as Electron would call it for an invoke from `frame` of `sender`. */
  async invoke(
    channel: string,
    sender: { id: number },
    frame: { url: string; parent: unknown } | null,
    input: unknown,
  ): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`); // Electron's own rejection text
    return handler({ sender, senderFrame: frame } as unknown as Electron.IpcMainInvokeEvent, input);
  }

  private built: ReturnType<ElectronDouble['build']> | undefined;
  /** The `electron` module as the shell imports it (main-process and preload exports); one per launch. */
  module(): ReturnType<ElectronDouble['build']> {
    return (this.built ??= this.build());
  }

  private build() {
    const owner = (): ElectronDouble => this; // for the classes below, whose `this` is their instance
    const app = this.app;
    const safeStorage = {
      isEncryptionAvailable: () => this.encryptionAvailable,
      // Reversible, not plain: the vault file must not show secrets, as with a real keychain.
      encryptString: (plainText: string) => Buffer.from(`double:${Buffer.from(plainText).toString('base64')}`),
      decryptString: (encrypted: Buffer) =>
        Buffer.from(encrypted.toString().slice('double:'.length), 'base64').toString(),
      getSelectedStorageBackend: () =>
        this.storageBackend as ReturnType<Electron.SafeStorage['getSelectedStorageBackend']>,
    } satisfies Pick<
      Electron.SafeStorage,
      'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
    >;
    const session = {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (listener: Parameters<Electron.WebRequest['onHeadersReceived']>[0]) => {
            this.session.headersListener = listener;
          },
        },
        setPermissionRequestHandler: ((handler) => {
          this.session.permissionRequest = handler;
        }) satisfies Electron.Session['setPermissionRequestHandler'],
        setPermissionCheckHandler: ((handler) => {
          this.session.permissionCheck = handler;
        }) satisfies Electron.Session['setPermissionCheckHandler'],
      },
    };
    const shell = {
      openExternal: (async (url) => {
        this.openedExternal.push(url);
      }) satisfies Electron.Shell['openExternal'],
      openPath: (async (p) => {
        this.openedPaths.push(p);
        return '';
      }) satisfies Electron.Shell['openPath'],
    };
    const clipboard = {
      writeText: ((text) => {
        this.clipboardWrites.push(text);
      }) satisfies Electron.Clipboard['writeText'],
      readText: (() => this.clipboardWrites.at(-1) ?? '') satisfies Electron.Clipboard['readText'],
    };
    const dialog = {
      showMessageBox: async (options: Electron.MessageBoxOptions): Promise<Electron.MessageBoxReturnValue> => {
        this.dialogs.push(options);
        const answer = this.dialogAnswers.shift();
        if (!answer) throw new Error(`unexpected dialog: ${options.message}`);
        return answer;
      },
    };
    const ipcMain = {
      handle: ((channel, listener) => {
        if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        this.handlers.set(channel, listener);
      }) satisfies Electron.IpcMain['handle'],
      removeHandler: ((channel) => {
        this.handlers.delete(channel);
      }) satisfies Electron.IpcMain['removeHandler'],
    };
    type RendererSlice = Pick<Electron.IpcRenderer, 'invoke'> & {
      on(channel: string, listener: (event: Electron.IpcRendererEvent, ...args: unknown[]) => void): RendererSlice;
      removeListener(channel: string, listener: (...args: never[]) => void): RendererSlice;
    };
    const ipcRenderer: RendererSlice = {
      // The preload's invoke: delivered to the main process's handler with this window's top frame as sender.
      invoke: async (channel: string, ...args: unknown[]): Promise<unknown> => {
        const win = this.rendererOf;
        if (!win) throw new Error('the preload runs in no window');
        return this.invoke(channel, win.webContents, win.webContents.mainFrame(), args[0]);
      },
      on: (channel: string, listener: (event: Electron.IpcRendererEvent, ...args: unknown[]) => void) => {
        const listeners = this.rendererOf?.webContents.rendererListeners;
        if (!listeners) throw new Error('the preload runs in no window');
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener as (event: unknown, ...args: unknown[]) => void);
        return ipcRenderer;
      },
      removeListener: (channel: string, listener: (...args: never[]) => void) => {
        this.rendererOf?.webContents.rendererListeners
          .get(channel)
          ?.delete(listener as (event: unknown, ...args: unknown[]) => void);
        return ipcRenderer;
      },
    };
    const contextBridge = {
      exposeInMainWorld: ((apiKey, api) => {
        if (this.exposed.has(apiKey))
          throw new Error(`Cannot bind an API on top of an existing property on the window object`);
        this.exposed.set(apiKey, api);
      }) satisfies Electron.ContextBridge['exposeInMainWorld'],
    };
    const nativeImage = {
      createFromPath: (p: string) => new FakeImage(p),
    } satisfies Record<keyof Pick<typeof Electron.nativeImage, 'createFromPath'>, (p: string) => unknown>;
    const Menu = {
      buildFromTemplate: (template: Electron.MenuItemConstructorOptions[]) => new FakeMenu(template),
    } satisfies Record<
      keyof Pick<typeof Electron.Menu, 'buildFromTemplate'>,
      (t: Electron.MenuItemConstructorOptions[]) => unknown
    >;
    class Tray extends FakeTray {
      constructor(image: FakeImage) {
        super(image);
        owner().trays.push(this);
      }
    }
    class BrowserWindow extends FakeBrowserWindow {
      constructor(options: Electron.BrowserWindowConstructorOptions) {
        super(options, owner());
      }
    }
    return {
      app,
      safeStorage,
      session,
      shell,
      clipboard,
      dialog,
      ipcMain,
      ipcRenderer,
      contextBridge,
      nativeImage,
      Menu,
      Tray,
      BrowserWindow,
      Notification: FakeNotification,
    };
  }
}

// The double of the current launch, on globalThis so that vi.resetModules (a fresh main.ts per launch) keeps it.
const CURRENT = Symbol.for('llmgw.test.electron-double.current');
export function current(): ElectronDouble {
  const d = (globalThis as Record<symbol, unknown>)[CURRENT] as ElectronDouble | undefined;
  if (!d) throw new Error('no Electron double: call newLaunch() before importing the shell');
  return d;
}
/** A fresh double for the next launch; `vi.mock('electron', …)` hands its module to the shell. */
export function newLaunch(options: LaunchOptions): ElectronDouble {
  const d = new ElectronDouble(options);
  (globalThis as Record<symbol, unknown>)[CURRENT] = d;
  return d;
}
/**
 * The module `vi.mock('electron', …)` returns: each export reads the CURRENT launch's double when used (vitest
 * rewrites `app.quit()` to a property read on the module), because the mocked module itself outlives
 * vi.resetModules while every launch must get its own Electron.
 */
export function currentLaunchModule(): ReturnType<ElectronDouble['module']> {
  const names = Object.keys(current().module()) as (keyof ReturnType<ElectronDouble['module']>)[];
  const proxy = {} as ReturnType<ElectronDouble['module']>;
  for (const name of names)
    Object.defineProperty(proxy, name, { enumerable: true, get: () => current().module()[name] });
  return proxy;
}

/**
 * Frees the single-instance lock (between test files sharing a worker). The current double stays: a shell timer
 * that fires after a file's last test (the tray's once-per-tick rebuild) still finds an Electron to talk to.
 */
export function resetLaunches(): void {
  lockHolder.app = null;
}
