import { get, sleep } from '../api.js';
import { h, stateBadge, table, when } from '../format.js';

const REFRESH_MS = 5000;

/** The team's sweeps, newest first, refreshed while the page is open (states change as runs finish). */
export async function sweepsPage({ main, signal }) {
  const body = h('div');
  main.replaceChildren(h('h1', {}, 'Sweeps'), body);
  while (!signal.aborted) {
    const { items } = await get('/v1/sweeps?limit=100', signal);
    const rows = items.map((s) =>
      h(
        'tr',
        { 'data-sweep-id': s.id },
        h('td', {}, h('a', { href: `#/sweeps/${s.id}` }, s.name)),
        h('td', {}, stateBadge(s.state)),
        h('td', { class: 'num' }, s.runCount),
        h('td', {}, s.tags.join(', ')),
        h('td', {}, when(s.createdAt)),
      ),
    );
    body.replaceChildren(
      items.length === 0
        ? h('p', { class: 'muted' }, 'No sweeps yet: submit one with `distillery sweep submit sweep.yaml`.')
        : table(['name', 'state', 'runs', 'tags', 'submitted'], rows, { 'data-testid': 'sweeps' }),
    );
    await sleep(REFRESH_MS);
  }
}
