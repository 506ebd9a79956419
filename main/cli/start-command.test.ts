// When `npm start` falls back from the tray app to serve mode: no display on Linux, or no Electron binary.
import { describe, expect, it } from 'vitest';
import { electronBlocker } from './start-command.js';

describe('electronBlocker', () => {
  const binary = () => process.execPath; // a file that exists
  it('needs a display on Linux', () => {
    expect(electronBlocker({}, 'linux', binary)).toBe('no display');
    expect(electronBlocker({ DISPLAY: ':0' }, 'linux', binary)).toBeNull();
    expect(electronBlocker({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', binary)).toBeNull();
    expect(electronBlocker({}, 'darwin', binary)).toBeNull();
  });

  it('needs the Electron binary', () => {
    expect(electronBlocker({ DISPLAY: ':0' }, 'linux', () => '/nonexistent/electron')).toBe('its binary is missing');
    expect(
      electronBlocker({ DISPLAY: ':0' }, 'linux', () => {
        throw new Error('Electron failed to install correctly');
      }),
    ).toBe('its binary is missing');
    expect(electronBlocker({ DISPLAY: ':0', LLMGW_NO_ELECTRON: '1' }, 'linux', binary)).toBe('LLMGW_NO_ELECTRON=1');
  });
});
