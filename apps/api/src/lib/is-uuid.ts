/**
 * The shapes PostgreSQL's `uuid` type accepts in our ids (canonical, any case). Checked before querying so a
 * malformed id answers 404 instead of reaching PostgreSQL as a cast error.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
