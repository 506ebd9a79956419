// Operations on the settings file, with their side effects (Ollama URL, mode choice, the settings event).
import { applyPatch, saveSettings } from '../settings/store.js';
import type { Operations, PlaneContext } from './context.js';

export function settingsOperations(ctx: PlaneContext): Operations<'settings.get' | 'settings.update'> {
  return {
    'settings.get': async () => ctx.settings(),
    'settings.update': async (patch) => {
      const previous = ctx.settings();
      const next = applyPatch(previous, patch);
      saveSettings(ctx.paths.settings, next);
      ctx.setSettings(next);
      ctx.ollama.setUrl(next.ollamaUrl);
      ctx.bus.emit({ type: 'settings-changed' });
      // Switching mode under a running gateway would orphan it: the new mode applies on the next start.
      if (next.mode !== previous.mode && !ctx.runtime.running()) await ctx.runtime.choose();
      return next;
    },
  };
}
