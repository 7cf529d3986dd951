/** A small typed client for the REST API, used by the CLI's sweep commands and the demo. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  async request<T>(method: string, path: string, body?: { text: string; contentType: string }): Promise<T> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body ? { 'content-type': body.contentType } : {}),
      },
      ...(body ? { body: body.text } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new ApiRequestError(res.status, text);
    return (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  }
}

/** The API answered with an error status; the message carries its error body's message and issues. */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  readonly code = 'API_REQUEST_FAILED';
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`the API answered ${status}: ${describeErrorBody(body)}`);
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
