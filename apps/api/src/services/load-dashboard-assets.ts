import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard's files: apps/api/dashboard, next to src. */
export const DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dashboard');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** One file the dashboard serves, read once at start-up. */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

function asset(body: Buffer, contentType: string): DashboardAsset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/**
 * Every dashboard file by its path under `/dashboard/` (`app.js`, `pages/sweep.js`), plus Chart.js's UMD build
 * from the installed `chart.js` package as `vendor/chart.umd.min.js`: charts come from node_modules, never from a
 * CDN, and no build step is needed.
 */
export function loadDashboardAssets(): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const file of walk(DASHBOARD_DIR)) {
    const type = TYPES[extname(file)];
    if (type === undefined) continue;
    assets.set(relative(DASHBOARD_DIR, file).split(sep).join('/'), asset(readFileSync(file), type));
  }
  // chart.js's `exports` map hides dist/ files; its main entry sits in the same folder.
  const chartDist = dirname(createRequire(import.meta.url).resolve('chart.js'));
  assets.set(
    'vendor/chart.umd.min.js',
    asset(readFileSync(join(chartDist, 'chart.umd.min.js')), TYPES['.js'] as string),
  );
  return assets;
}
