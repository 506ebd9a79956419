// The tray: icon per aggregated status (template images on macOS, @2x picked up by nativeImage), tooltip, and the
// menu converted from the pure tray-menu model; rebuilt on every state change (Linux needs setContextMenu again).
import path from 'node:path';
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import type { OverallStatus } from '../control/health/aggregate.js';
import type { ControlState } from '../control/state.js';
import { trayIconName, trayMenu, trayTooltip, type MenuAction, type MenuItem } from '../control/tray-menu.js';

export function iconPath(iconDir: string, status: OverallStatus, platform: NodeJS.Platform = process.platform): string {
  // macOS menu bars tint "Template" images for light/dark mode themselves.
  return path.join(iconDir, `${trayIconName(status)}${platform === 'darwin' ? 'Template' : ''}.png`);
}

export function toElectronMenu(
  items: MenuItem[],
  onAction: (action: MenuAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.kind === 'separator') return { type: 'separator' };
    if (item.kind === 'submenu')
      return {
        id: item.id,
        label: item.label,
        enabled: item.enabled,
        submenu: toElectronMenu(item.submenu ?? [], onAction),
      };
    const action = item.action;
    return {
      id: item.id,
      label: item.label,
      enabled: item.enabled,
      ...(action ? { click: () => onAction(action) } : {}),
    };
  });
}

export class TrayController {
  private readonly tray: Tray;
  private lastKey = '';

  constructor(
    private readonly iconDir: string,
    private readonly onAction: (action: MenuAction) => void,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(iconPath(iconDir, 'stopped')));
    this.tray.setToolTip('LLM Gateway');
  }

  update(state: ControlState): void {
    const items = trayMenu(state);
    const tooltip = trayTooltip(state);
    const key = JSON.stringify([items, tooltip, state.health.status]);
    if (key === this.lastKey) return; // pull progress ticks often; rebuild only what changed
    this.lastKey = key;
    const image = nativeImage.createFromPath(iconPath(this.iconDir, state.health.status));
    if (process.platform === 'darwin') image.setTemplateImage(true);
    this.tray.setImage(image);
    this.tray.setToolTip(tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(toElectronMenu(items, this.onAction)));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
