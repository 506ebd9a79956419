// Errors where they happened: each panel owns error slots; showError puts the message and the hint (what to do
// next) into the slot, as an alert so screen readers announce it.
import { UiError } from '../api.js';
import { h, replace } from './dom.js';

export function errorSlot(): HTMLDivElement {
  return h('div', { class: 'error-slot', 'aria-live': 'assertive' });
}

export function showError(slot: HTMLElement, err: unknown): void {
  const e = UiError.of(err);
  replace(
    slot,
    h(
      'div',
      { class: 'error', role: 'alert', 'data-code': e.code },
      h('strong', {}, e.message),
      h('p', { class: 'hint' }, e.hint),
    ),
  );
}

export function clearError(slot: HTMLElement): void {
  slot.replaceChildren();
}

/** Runs an action for a button: disables it meanwhile, shows a failure in the slot. */
export async function act<T>(
  button: HTMLButtonElement | null,
  slot: HTMLElement,
  action: () => Promise<T>,
): Promise<T | undefined> {
  clearError(slot);
  if (button) button.disabled = true;
  button?.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } catch (err) {
    showError(slot, err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
    button?.removeAttribute('aria-busy');
  }
}
