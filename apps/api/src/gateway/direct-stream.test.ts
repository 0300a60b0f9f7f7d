import { connect } from 'node:net';
import { type OllamaStandIn, startOllamaStandIn } from '@nightshift/testkit/ollama-stand-in';
import { until } from '@nightshift/testkit/until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayUnderTest } from '../../test-support/gateway-under-test.ts';

// A streamed answer written straight to the socket, to a caller that stays connected but stops
// reading: the writer waits on the full socket (nothing more is read from the upstream), and at
// the call's total deadline the gateway lets the socket go as well as the upstream.

let ollama: OllamaStandIn;
let api: Awaited<ReturnType<typeof gatewayUnderTest>>;

beforeAll(async () => {
  ollama = await startOllamaStandIn({ tokenLatencyMs: 0 });
  api = await gatewayUnderTest({
    OLLAMA_HOST: ollama.url,
    NIGHTSHIFT_GATEWAY_TOTAL_TIMEOUT_S: '2',
    // Room for a prompt of 8 MB (each reply word is a prompt word).
    NIGHTSHIFT_NUM_CTX: '4000000',
  });
});
afterAll(async () => {
  await api?.close();
  await ollama?.close();
});

const openConnections = () =>
  new Promise<number>((resolve, reject) =>
    api.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

describe('a direct stream to a caller that stops reading', () => {
  it('closes the socket at the call’s total deadline instead of holding it until the caller leaves', async () => {
    // Each reply word is one event of ~1 kB: 8,000 of them overfill every buffer on the way.
    const word = 'w'.repeat(1_000);
    const body = JSON.stringify({
      model: 'qwen2:7b',
      messages: [{ role: 'user', content: Array.from({ length: 8_000 }, () => word).join(' ') }],
      max_tokens: 8_000,
      stream: true,
    });
    const { port } = new URL(api.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = 0;
    let closedByServer = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Read the head of the answer, then never again.
      if (received > 0) socket.pause();
    });
    socket.on('end', () => {
      closedByServer = true;
    });
    socket.on('error', () => {});
    socket.write(
      `POST /openai/v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer acme-key\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    await until(async () => received > 0, 10_000, 'the answer began');
    const began = Date.now();
    await until(async () => (await openConnections()) === 0, 10_000, 'the server let go');
    const heldMs = Date.now() - began;
    // Released by the deadline (2 s after the call began), not by anything the caller did.
    expect(heldMs).toBeGreaterThan(500);
    expect(socket.destroyed).toBe(false);
    expect(closedByServer).toBe(false);
    // The caller reading again finds the answer cut short: no [DONE], then the end.
    let text = '';
    socket.setEncoding('utf8');
    socket.removeAllListeners('data');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.resume();
    await until(async () => closedByServer, 10_000, 'the caller reads the end');
    expect(text).not.toContain('[DONE]');
    expect(received + text.length).toBeLessThan(8_000 * 1_000);
    socket.destroy();
  }, 30_000);
});
