/**
 * A small HTTP proxy that injects faults between a client and a server, for
 * retry/idempotency tests: drop the response after the server handled the request
 * (the client sees a reset connection), delay forwarding (the client times out),
 * or answer a status itself without forwarding. Rules apply to the next N matching
 * requests; everything else is forwarded as is.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What happens to a matching request. */
export type Fault =
  /** Forward, wait for the server's answer, then reset the client's connection. */
  | { kind: 'drop-response' }
  /** Wait `ms`, then forward (the answer goes to a client that may have given up). */
  | { kind: 'delay'; ms: number }
  /** Answer `status` without forwarding. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown };

/** One request that went through the proxy, and what the proxy did with it. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  fault: Fault['kind'] | null;
  /** The upstream status, or `null` when not forwarded / forwarding failed. */
  upstreamStatus: number | null;
  /** When the proxy received it, ms since epoch. */
  at: number;
}

/** A running proxy. */
export interface FaultProxy {
  url: string;
  log: ProxiedRequest[];
  /** Applies `fault` to the next `times` requests for which `match(method, url)` holds. */
  inject(fault: Fault, options?: { times?: number; match?: (method: string, url: string) => boolean }): void;
  /** Waits until every delayed or in-flight forward has finished. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 in front of `target` (a base URL). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: { fault: Fault; left: number; match: (m: string, u: string) => boolean }[] = [];
  const log: ProxiedRequest[] = [];
  const pending = new Set<Promise<unknown>>();

  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const rule = rules.find((r) => r.left > 0 && r.match(method, url));
      if (rule) rule.left--;
      const entry: ProxiedRequest = {
        method,
        url,
        headers: req.headers,
        fault: rule?.fault.kind ?? null,
        upstreamStatus: null,
        at: Date.now(),
      };
      log.push(entry);
      const fault = rule?.fault;
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'application/problem+json', ...fault.headers });
        res.end(
          JSON.stringify(
            fault.body ?? {
              type: 'about:blank',
              title: 'injected',
              status: fault.status,
              detail: 'injected by the fault proxy',
            },
          ),
        );
        return;
      }
      const run = async () => {
        if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
        try {
          const answer = await forward(req, Buffer.concat(chunks));
          entry.upstreamStatus = answer.status;
          if (fault?.kind === 'drop-response') {
            req.socket.destroy();
            return;
          }
          if (res.destroyed || req.socket.destroyed) return;
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        } catch {
          if (!res.destroyed) req.socket.destroy();
        }
      };
      const p = run();
      pending.add(p);
      void p.finally(() => pending.delete(p));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    inject(fault, options = {}) {
      rules.push({ fault, left: options.times ?? 1, match: options.match ?? (() => true) });
    },
    async settled() {
      while (pending.size) await Promise.all([...pending]);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
