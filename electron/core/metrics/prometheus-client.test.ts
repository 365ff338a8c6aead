import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expandTemplate, PrometheusError, queryRange } from './prometheus-client.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: Server[] = [];

async function fakePrometheus(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function matrix(result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) {
  return { status: 'success', data: { resultType: 'matrix', result } };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

describe('expandTemplate', () => {
  it('replaces every placeholder', () => {
    expect(expandTemplate('a{variant="{{variant}}"} / b{variant="{{variant}}"}', 'treatment')).toBe(
      'a{variant="treatment"} / b{variant="treatment"}',
    );
  });

  it('escapes backslash and double quote for a PromQL label value', () => {
    expect(expandTemplate('x{v="{{variant}}"}', 'a"b\\c')).toBe('x{v="a\\"b\\\\c"}');
  });

  it('throws without a placeholder', () => {
    expect(() => expandTemplate('sum(rate(x[1m]))', 'control')).toThrow(/\{\{variant\}\}/);
  });
});

describe('queryRange', () => {
  it('sends query/start/end/step in seconds and sums series per timestamp, ascending', async () => {
    let seen: URL | undefined;
    const url = await fakePrometheus((req, res) => {
      seen = new URL(req.url ?? '/', 'http://x');
      json(
        res,
        200,
        matrix([
          {
            metric: { outcome: 'ok' },
            values: [
              [1700000002, '3'],
              [1700000001, '1.5'],
            ],
          },
          {
            metric: { outcome: 'error' },
            values: [
              [1700000001, '0.5'],
              [1700000003, '7'],
            ],
          },
        ]),
      );
    });
    const out = await queryRange(`${url}/`, 'sum(x{v="a"})', 1700000001000, 1700000003500, 1);
    expect(seen?.pathname).toBe('/api/v1/query_range');
    expect(seen?.searchParams.get('query')).toBe('sum(x{v="a"})');
    expect(seen?.searchParams.get('start')).toBe('1700000001');
    expect(seen?.searchParams.get('end')).toBe('1700000003.5');
    expect(seen?.searchParams.get('step')).toBe('1');
    expect(out).toEqual([
      { t: 1700000001000, value: 2 },
      { t: 1700000002000, value: 3 },
      { t: 1700000003000, value: 7 },
    ]);
  });

  it('drops NaN and ±Inf samples and handles fractional timestamps', async () => {
    const url = await fakePrometheus((_req, res) =>
      json(
        res,
        200,
        matrix([
          {
            metric: {},
            values: [
              [1.5, 'NaN'],
              [2.5, '+Inf'],
              [3.5, '-Inf'],
              [4.25, '4'],
            ],
          },
        ]),
      ),
    );
    expect(await queryRange(url, 'q', 0, 5000, 1)).toEqual([{ t: 4250, value: 4 }]);
  });

  it('returns [] for an empty result', async () => {
    const url = await fakePrometheus((_req, res) => json(res, 200, matrix([])));
    expect(await queryRange(url, 'q', 0, 1000, 1)).toEqual([]);
  });

  it('reports the server error and errorType', async () => {
    const url = await fakePrometheus((_req, res) =>
      json(res, 400, {
        status: 'error',
        errorType: 'bad_data',
        error: '1:5: parse error: unexpected end of input',
      }),
    );
    const err = await queryRange(url, 'sum(', 0, 1000, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as PrometheusError).message).toMatch(/bad_data.*parse error: unexpected end of input/);
    expect((err as PrometheusError).errorType).toBe('bad_data');
    expect((err as PrometheusError).status).toBe(400);
  });

  it('reports the HTTP status for a non-JSON error', async () => {
    const url = await fakePrometheus((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('Service Unavailable');
    });
    await expect(queryRange(url, 'q', 0, 1000, 1)).rejects.toThrow(/HTTP 503/);
  });

  it('rejects a non-matrix result', async () => {
    const url = await fakePrometheus((_req, res) =>
      json(res, 200, { status: 'success', data: { resultType: 'vector', result: [] } }),
    );
    await expect(queryRange(url, 'q', 0, 1000, 1)).rejects.toThrow(/not a matrix/);
  });

  it('reports a network failure (closed port)', async () => {
    const url = await fakePrometheus((_req, res) => json(res, 200, matrix([])));
    const server = servers.pop()!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = await queryRange(url, 'q', 0, 1000, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as Error).message).toMatch(/failed: ECONNREFUSED/);
  });

  it('times out', async () => {
    const url = await fakePrometheus(() => {
      /* never answers */
    });
    const t0 = Date.now();
    const err = await queryRange(url, 'q', 0, 1000, 1, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusError);
    expect((err as Error).message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('uses fetchImpl when given', async () => {
    const fetchImpl = (async () =>
      new Response(JSON.stringify(matrix([{ metric: {}, values: [[10, '1']] }])), {
        status: 200,
      })) as typeof fetch;
    expect(await queryRange('http://unused', 'q', 0, 1000, 1, { fetchImpl })).toEqual([
      { t: 10000, value: 1 },
    ]);
  });
});
