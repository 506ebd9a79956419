// Light / dark / follow-the-system theme: a data-theme attribute on <html> (CSS does the rest), remembered in
// localStorage, cycled by the header's toggle button.
const KEY = 'llmgw.theme';
const ORDER = ['auto', 'light', 'dark'] as const;
export type Theme = (typeof ORDER)[number];

export function nextTheme(theme: Theme): Theme {
  return ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length]!;
}

export function setupTheme(button: HTMLButtonElement, root: HTMLElement = document.documentElement): void {
  const stored = localStorage.getItem(KEY);
  let theme: Theme = (ORDER as readonly string[]).includes(stored ?? '') ? (stored as Theme) : 'auto';
  const apply = () => {
    root.dataset.theme = theme;
    button.textContent = `Theme: ${theme}`;
    button.setAttribute(
      'aria-label',
      theme === 'auto' ? 'Theme: follow system (switch to light)' : `Theme: ${theme} (switch)`,
    );
  };
  button.addEventListener('click', () => {
    theme = nextTheme(theme);
    localStorage.setItem(KEY, theme);
    apply();
  });
  apply();
}
