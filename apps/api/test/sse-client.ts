import { request } from 'node:http';

/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  /** Events received so far. */
  events: SseEvent[];
  /** Resolves once an event satisfies `predicate` (or rejects when the stream ends first). */
  until(predicate: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Resolves when the server has ended the stream. */
  ended: Promise<void>;
  close(): void;
}

/** A minimal EventSource over node:http (EventSource itself cannot send an Authorization header). */
export function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const waiters: {
        predicate: (e: SseEvent) => boolean;
        resolve: (e: SseEvent) => void;
        reject: (e: Error) => void;
      }[] = [];
      let buffer = '';
      let ended = false;
      let endResolve: () => void = () => {};
      const endedPromise = new Promise<void>((r) => {
        endResolve = r;
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = { id: undefined as string | undefined, event: 'message', data: [] as string[] };
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const [name, ...rest] = line.split(':');
            const value = rest.join(':').replace(/^ /, '');
            if (name === 'id') fields.id = value;
            else if (name === 'event') fields.event = value;
            else if (name === 'data') fields.data.push(value);
            else continue;
            any = true;
          }
          if (!any || fields.data.length === 0) continue;
          const e = { id: fields.id, event: fields.event, data: fields.data.join('\n') };
          events.push(e);
          for (const w of [...waiters]) {
            if (w.predicate(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(e);
            }
          }
        }
      });
      const finish = () => {
        if (ended) return;
        ended = true;
        endResolve();
        for (const w of waiters.splice(0)) w.reject(new Error('the stream ended'));
      };
      res.on('end', finish);
      res.on('close', finish);
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended: endedPromise,
        until: (predicate) => {
          const found = events.find(predicate);
          if (found) return Promise.resolve(found);
          if (ended) return Promise.reject(new Error('the stream ended'));
          return new Promise((resolve, reject) => waiters.push({ predicate, resolve, reject }));
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
