/**
 * HTML built by a tagged template that escapes every interpolated value unless it is
 * already SafeHtml (made by this template, or by the sanitizer and highlighter, which
 * escape themselves). Module content is untrusted: it only ever enters a page through
 * an interpolation, so it is escaped once, in one place.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A value that may appear in a template: nothing, text (escaped), SafeHtml, or a list of them. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false || v === true) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Trusted markup made elsewhere (the sanitizer's or the highlighter's output). */
export const trusted = (markup: string) => new SafeHtml(markup);
