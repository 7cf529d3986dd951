/** Paths that serve fixed files: the dashboard's page, its scripts and styles, the API docs' assets. */
const STATIC_PREFIXES = ['/dashboard/', '/docs/static/', '/favicon'];

/** Whether a request asks for a static file (its URL as sent, query string included). */
export function isStaticFileRequest(request: { url: string }): boolean {
  const path = request.url.split('?')[0] ?? '';
  return path === '/' || STATIC_PREFIXES.some((prefix) => path.startsWith(prefix));
}
