// Operations on Ollama's models: list, the catalog, pulls, delete.
import { CATALOG } from '../models/catalog.js';
import { parseModelInput } from '../models/model-name.js';
import type { Operations, PlaneContext } from './context.js';

export function modelOperations(
  ctx: PlaneContext,
): Operations<
  'models.list' | 'models.catalog' | 'models.pulls' | 'models.pull' | 'models.cancelPull' | 'models.delete'
> {
  return {
    'models.list': () => ctx.listModels(),
    'models.catalog': async () => CATALOG,
    'models.pulls': async () => ctx.pulls.list(),
    'models.pull': async ({ name }) => ctx.pulls.start(name),
    'models.cancelPull': async ({ name }) => ctx.pulls.cancel(name),
    'models.delete': async ({ name }) => {
      const model = parseModelInput(name);
      await ctx.ollama.delete(model);
      await ctx.modelsChanged();
      return { deleted: model };
    },
  };
}
