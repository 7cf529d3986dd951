import type { buildApp } from '@distillery/api';
import { ApiClient, ApiRequestError } from '../api-client.ts';

/**
 * The API answered in process: an `ApiClient` (so the client commands' helpers, e.g. `watchSweep`, take it)
 * whose requests go through Fastify's `inject` instead of HTTP — no port opened — for `distillery run`.
 */
export class InjectClient extends ApiClient {
  constructor(
    private readonly app: Awaited<ReturnType<typeof buildApp>>,
    private readonly bearer: string,
  ) {
    super('http://in-process.invalid', bearer);
  }

  override async request<T>(method: string, path: string, body?: { text: string; contentType: string }): Promise<T> {
    const res = await this.app.inject({
      method: method as 'GET' | 'POST' | 'DELETE',
      url: path,
      headers: { authorization: `Bearer ${this.bearer}`, ...(body ? { 'content-type': body.contentType } : {}) },
      ...(body ? { payload: body.text } : {}),
    });
    if (res.statusCode >= 400) {
      const retryAfter = res.headers['retry-after'];
      throw new ApiRequestError(res.statusCode, res.body, retryAfter === undefined ? null : String(retryAfter));
    }
    return (String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body) as T;
  }

  override async download(path: string): Promise<Uint8Array> {
    const res = await this.app.inject({
      method: 'GET',
      url: path,
      headers: { authorization: `Bearer ${this.bearer}` },
    });
    if (res.statusCode >= 400) {
      const retryAfter = res.headers['retry-after'];
      throw new ApiRequestError(res.statusCode, res.body, retryAfter === undefined ? null : String(retryAfter));
    }
    return new Uint8Array(res.rawPayload);
  }
}
