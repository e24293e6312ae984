/** The page of a failed request: the same for a missing and a hidden owner or module. */
import { html } from '../html.js';
import { layout, type ViewContext } from '../layout.js';

const TITLES: Record<number, string> = { 400: 'Bad request', 401: 'Not signed in', 403: 'Not allowed', 404: 'Not found', 413: 'Too large' };

export function errorPage(view: ViewContext, status: number, message: string): string {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request refused');
  return layout(view, {
    title,
    body: html`<section class="card narrow"><h1>${title}</h1><p>${message}</p><p><a href="/">Back to the home page</a></p></section>`,
  });
}
