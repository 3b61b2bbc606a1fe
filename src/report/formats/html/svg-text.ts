import { visibleText } from '../../visible-text.js';

/** Text for HTML content and attributes: control characters made visible, then `&<>"'` escaped. */
export function escapeHtml(s: string): string {
  return visibleText(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `12.5%` of a share, to one decimal. */
export function percentText(part: number, total: number): string {
  return `${Math.round((part / total) * 1000) / 10}%`;
}
