/** A small typed client for the REST API, used by the CLI's client commands and the demo. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async request<T>(method: string, path: string, body?: { text: string; contentType: string }): Promise<T> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(body ? { 'content-type': body.contentType } : {}),
        },
        ...(body ? { body: body.text } : {}),
      });
    } catch (error) {
      throw new ApiUnreachableError(url.origin, error);
    }
    const text = await res.text();
    if (!res.ok) throw new ApiRequestError(res.status, text, res.headers.get('retry-after'));
    return (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  }

  /** GET of a file as bytes (a model's weights), for binary answers that `request` would decode as text. */
  async download(path: string): Promise<Uint8Array> {
    const url = new URL(path, this.baseUrl);
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${this.apiKey}` } });
    } catch (error) {
      throw new ApiUnreachableError(url.origin, error);
    }
    if (!res.ok) throw new ApiRequestError(res.status, await res.text(), res.headers.get('retry-after'));
    return new Uint8Array(await res.arrayBuffer());
  }

  /** GET with query parameters (undefined ones left out). */
  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
    const q = search.toString();
    return this.request<T>('GET', q ? `${path}?${q}` : path);
  }
}

/** The API answered with an error status; the message carries its error body's message and issues. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  readonly code = 'API_REQUEST_FAILED';
  constructor(
    readonly status: number,
    body: string,
    retryAfter: string | null = null,
  ) {
    super(
      `the API answered ${status}: ${describeErrorBody(body)}${retryAfter ? ` (retry after ${retryAfter} s)` : ''}`,
    );
  }
}

/** Nothing answered at the API's address. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
  readonly code = 'API_UNREACHABLE';
  constructor(origin: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } }).cause;
    super(`cannot reach the API at ${origin}: ${reason?.code ?? reason?.message ?? (cause as Error).message}`, {
      cause,
    });
  }
}

function describeErrorBody(body: string): string {
  try {
    const { error } = JSON.parse(body) as { error: { message: string; issues?: { path: string; message: string }[] } };
    const issues = (error.issues ?? []).map((i) => `\n  ${i.path}: ${i.message}`).join('');
    return `${error.message}${issues}`;
  } catch {
    return body.slice(0, 500);
  }
}
