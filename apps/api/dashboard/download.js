// Downloads that carry the API key: a plain link cannot send the Authorization header, so the file is fetched
// with it and handed to the browser as a blob.
import { ApiError, AuthError, apiKey } from './api.js';
import { h } from './format.js';

/** Fetches `path` with the key and saves the answer as `filename`; rejects with the API's message. */
export async function download(path, filename) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${apiKey() ?? ''}` } });
  if (res.status === 401) throw new AuthError('the API key is unknown, revoked or expired');
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new ApiError(res.status, body?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the browser reads the blob after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A link that downloads `path` as `filename` with the key; a failure is shown beside it. */
export function downloadLink(path, filename, attributes, ...children) {
  const problem = h('span', { class: 'error', role: 'alert' });
  const link = h(
    'a',
    {
      href: path,
      ...attributes,
      onclick: (event) => {
        event.preventDefault();
        problem.textContent = '';
        download(path, filename).catch((error) => {
          problem.textContent = ` ${filename}: ${error.message}`;
        });
      },
    },
    ...children,
  );
  return h('span', {}, link, problem);
}
