// The dashboard: a hash router over four pages, an API key kept in the browser, live updates over SSE.
import { AuthError, apiKey, get, setApiKey } from './api.js';
import { h } from './format.js';
import { comparePage } from './pages/compare.js';
import { frontierPage } from './pages/frontier.js';
import { runPage } from './pages/run.js';
import { sweepPage } from './pages/sweep.js';
import { sweepsPage } from './pages/sweeps.js';

const main = document.getElementById('main');
const dialog = document.getElementById('key-dialog');
const identity = document.getElementById('identity');
let current = null;

// `distillery serve` on a laptop prints this page's URL with the local team's key in the fragment (`#key=…`,
// never sent to the server): kept like a key typed in, then dropped from the address bar and the history.
const handedKey = /^#key=([^&/]+)$/.exec(location.hash);
if (handedKey) {
  setApiKey(decodeURIComponent(handedKey[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

const ROUTES = [
  [/^#?\/?$/, 'sweeps', () => sweepsPage],
  [/^#\/sweeps\/([^/?]+)/, 'sweeps', (m) => (ctx) => sweepPage(ctx, decodeURIComponent(m[1]))],
  [/^#\/runs\/([^/?]+)/, 'sweeps', (m) => (ctx) => runPage(ctx, decodeURIComponent(m[1]))],
  [/^#\/frontier/, 'frontier', () => frontierPage],
  [/^#\/compare/, 'compare', () => comparePage],
];

/** Query parameters of the hash (`#/compare?a=relu&b=lma-8`). */
function hashParams() {
  const q = location.hash.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : location.hash.slice(q + 1));
}

async function render() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  if (!apiKey()) return askForKey();
  const hash = location.hash || '#/';
  const route = ROUTES.find(([pattern]) => pattern.test(hash)) ?? ROUTES[0];
  const [pattern, nav, make] = route;
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === nav);
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const page = make(hash.match(pattern));
  try {
    await page({ main, signal: controller.signal, params: hashParams(), onAuthError: askForKey });
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof AuthError) return askForKey(error.message);
    main.replaceChildren(h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

async function showIdentity() {
  try {
    const me = await get('/v1/me');
    identity.replaceChildren(
      h('span', {}, `${me.teamName} · ${me.key.name || 'key'} (${me.key.role})`),
      h('button', { type: 'button', class: 'link', onclick: () => askForKey() }, 'change key'),
    );
    return true;
  } catch (error) {
    identity.replaceChildren();
    if (error instanceof AuthError) return false;
    throw error;
  }
}

function askForKey(message = '') {
  current?.abort();
  document.getElementById('key-error').textContent = message;
  document.getElementById('key-input').value = '';
  if (!dialog.open) dialog.showModal();
}

document.getElementById('key-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const previous = apiKey();
  setApiKey(document.getElementById('key-input').value.trim());
  try {
    if (!(await showIdentity())) {
      setApiKey(previous);
      document.getElementById('key-error').textContent = 'This key is unknown, revoked or expired.';
      return;
    }
  } catch (error) {
    document.getElementById('key-error').textContent = error.message;
    return;
  }
  dialog.close();
  render();
});

window.addEventListener('hashchange', render);
if (apiKey()) {
  showIdentity().then(
    (ok) => (ok ? render() : askForKey('The saved key no longer works.')),
    (e) => askForKey(e.message),
  );
} else {
  askForKey();
}
