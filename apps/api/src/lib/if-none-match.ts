/**
 * Whether an `If-None-Match` header names `etag` (RFC 9110 §13.1.2: a list of entity tags, weak ones compared
 * weakly, or `*` for any current answer).
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag) return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}
