// What every panel is: an element built once, told when it becomes visible (to refresh) or hidden (to stop polling).
import type { Api } from '../api.js';
import type { Store } from '../store.js';

export interface PanelContext {
  api: Api;
  store: Store;
}

export interface Panel {
  id: string;
  title: string;
  el: HTMLElement;
  shown?(): void;
  hidden?(): void;
}

export function section(id: string, title: string, ...intro: string[]): HTMLElement {
  const el = document.createElement('section');
  el.id = `panel-${id}`;
  el.className = 'panel';
  el.setAttribute('aria-labelledby', `h-${id}`);
  const h2 = document.createElement('h2');
  h2.id = `h-${id}`;
  h2.textContent = title;
  el.append(h2);
  for (const line of intro) {
    const p = document.createElement('p');
    p.className = 'intro';
    p.textContent = line;
    el.append(p);
  }
  return el;
}
