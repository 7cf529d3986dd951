// The dashboard's REST client: every request carries the API key kept in local storage.

const KEY_STORAGE = 'distillery.apiKey';

export class AuthError extends Error {}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function headers() {
  return { authorization: `Bearer ${apiKey() ?? ''}` };
}

/** GET a JSON resource; 401 becomes AuthError (the page asks for a key), other errors carry the API's message. */
export async function get(path, signal) {
  const res = await fetch(path, { headers: headers(), signal });
  if (res.status === 401) throw new AuthError('the API key is unknown, revoked or expired');
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? `${res.status} ${res.statusText}`);
  return body;
}

/**
 * Follows a Server-Sent Events stream with the API key in a header (EventSource cannot send one): calls
 * `onEvent({ id, event, data })` per message and reconnects with `lastEventId` until the server sends `end`, the
 * stream answers 204, or `signal` aborts. Resolves when it stops for good; rejects when the route is missing or
 * refuses (the caller falls back to polling).
 */
export async function follow(path, onEvent, signal) {
  let lastEventId;
  for (let failures = 0; !signal.aborted; ) {
    const url = lastEventId === undefined ? path : `${path}?lastEventId=${encodeURIComponent(lastEventId)}`;
    let res;
    try {
      res = await fetch(url, { headers: { ...headers(), accept: 'text/event-stream' }, signal });
    } catch (error) {
      if (signal.aborted) return;
      if (++failures > 5) throw error;
      await sleep(1000 * failures);
      continue;
    }
    if (res.status === 204) return;
    if (!res.ok || res.body === null) throw new ApiError(res.status, `event stream answered ${res.status}`);
    failures = 0;
    let ended = false;
    try {
      for await (const message of messages(res.body)) {
        if (message.id !== undefined) lastEventId = message.id;
        if (message.event === 'end') ended = true;
        onEvent(message);
      }
    } catch (error) {
      if (signal.aborted) return;
      console.warn('event stream interrupted', error);
    }
    if (ended) return;
    await sleep(500);
  }
}

async function* messages(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let message = {};
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (message.data !== undefined || message.event !== undefined) {
          yield { ...message, data: parseData(message.data) };
        }
        message = {};
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') message.data = message.data === undefined ? text : `${message.data}\n${text}`;
        else if (field === 'id' || field === 'event') message[field] = text;
      }
      newline = buffer.indexOf('\n');
    }
  }
}

function parseData(text) {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
