/**
 * A fault-injecting HTTP proxy in front of the test S3 server: it forwards every request unchanged (same Host header,
 * so signatures still verify) and, for the first `cuts` object GETs it sees, sends the status line, the headers (with
 * the full Content-Length) and only `cutAfterBytes` of the body, then destroys the connection — a connection cut
 * mid-object as the SDK would see it from S3.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy. */
export interface FaultProxy {
  endpoint: string;
  /** Object GETs cut so far. */
  readonly cutCount: number;
  /** Object GETs forwarded so far (cut or not), with their Range header. */
  readonly gets: ReadonlyArray<{ path: string; range?: string }>;
  close(): Promise<void>;
}

/** Proxy options. */
export interface FaultProxyOptions {
  target: string;
  /** How many object GETs to cut (default 1; Infinity = all). */
  cuts?: number;
  /** Body bytes delivered before the cut. */
  cutAfterBytes: number;
  /** Which GETs are object reads (default: GET of /bucket/key; the SDK adds `?x-id=GetObject`). */
  isObjectGet?: (method: string, path: string) => boolean;
}

function defaultObjectGet(method: string, path: string): boolean {
  const [pathname = '', query = ''] = path.split('?', 2);
  return method === 'GET' && /^\/[^/]+\/.+/.test(pathname) && (query === '' || query === 'x-id=GetObject');
}

/** Starts the proxy on 127.0.0.1, any free port. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const isObjectGet = options.isObjectGet ?? defaultObjectGet;
  const maxCuts = options.cuts ?? 1;
  let cutCount = 0;
  const gets: Array<{ path: string; range?: string }> = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    const objectGet = isObjectGet(req.method ?? 'GET', path);
    const cut = objectGet && cutCount < maxCuts;
    if (objectGet) gets.push({ path, ...(typeof req.headers.range === 'string' ? { range: req.headers.range } : {}) });
    if (cut) cutCount += 1;
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path, headers: req.headers },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        if (!cut) {
          response.pipe(res);
          return;
        }
        let sent = 0;
        // A body shorter than the cut point (an error response, a small object) is delivered whole.
        response.on('end', () => {
          if (sent < options.cutAfterBytes) res.end();
        });
        response.on('data', (chunk: Buffer) => {
          if (sent >= options.cutAfterBytes) return;
          const part = chunk.subarray(0, options.cutAfterBytes - sent);
          sent += part.length;
          res.write(part);
          if (sent >= options.cutAfterBytes) {
            response.destroy();
            // Let the written bytes leave, then drop the connection without finishing the response.
            setTimeout(() => res.socket?.destroy(), 20);
          }
        });
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get cutCount() {
      return cutCount;
    },
    gets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
