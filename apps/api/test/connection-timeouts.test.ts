import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helper.ts';

let api: TestApi;
let port: number;
beforeAll(async () => {
  api = await buildTestApi({ requestTimeoutMs: 1500 });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  port = (api.app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await api?.close();
});

describe('a client that trickles its request body', () => {
  it('gets 408 and a closed connection once the request timeout has passed', async () => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const started = performance.now();
    const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - started)));
    socket.write(
      'POST /v1/sweeps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n' +
        `Authorization: Bearer ${api.team.apiKey}\r\n\r\n`,
    );
    // One byte every 200 ms: never idle, never done.
    const trickle = setInterval(() => socket.writable && socket.write('{'), 200);
    const closedAfterMs = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
    clearInterval(trickle);
    socket.destroy();
    expect(closedAfterMs).toBeGreaterThan(1000);
    expect(closedAfterMs).toBeLessThan(4000);
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 /);
  });
});

describe('the server', () => {
  it('has request, idle and keep-alive timeouts by default', async () => {
    const other = await buildTestApi();
    try {
      const server = other.app.server;
      expect([server.requestTimeout, server.timeout, server.keepAliveTimeout]).toEqual([30_000, 60_000, 72_000]);
    } finally {
      await other.close();
    }
  });
});
