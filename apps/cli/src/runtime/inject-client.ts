import type { buildApp } from '@distillery/api';
import { ApiRequestError } from '../api-client.ts';

/**
 * The API answered in process: the same requests and error handling as the HTTP `ApiClient`, through Fastify's
 * `inject` (no port opened), for `distillery run`.
 */
export class InjectClient {
  constructor(
    private readonly app: Awaited<ReturnType<typeof buildApp>>,
    private readonly apiKey: string,
  ) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: { text: string; contentType: string }): Promise<T> {
    const res = await this.app.inject({
      method,
      url: path,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body ? { 'content-type': body.contentType } : {}) },
      ...(body ? { payload: body.text } : {}),
    });
    if (res.statusCode >= 400) throw new ApiRequestError(res.statusCode, res.body);
    return (String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body) as T;
  }
}
