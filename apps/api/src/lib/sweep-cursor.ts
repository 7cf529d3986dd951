import { isUuid } from './is-uuid.ts';

/** Position after the last sweep of a page, in the listing's order (created_at desc, id desc). */
export interface SweepCursor {
  createdAt: Date;
  id: string;
}

/** Opaque to clients: base64url of `<ISO time>|<id>`. */
export function encodeSweepCursor(cursor: SweepCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

/** Null when the text is not a cursor this server wrote. */
export function decodeSweepCursor(text: string): SweepCursor | null {
  const [time, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || time === undefined || id === undefined || !isUuid(id)) return null;
  const createdAt = new Date(time);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== time) return null;
  return { createdAt, id };
}
