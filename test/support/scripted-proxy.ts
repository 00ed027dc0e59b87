/**
 * An HTTP proxy in front of the test S3 server that does to each object GET what a script says: hold the response back
 * for some milliseconds (so later ranged parts answer first), or cut the body after some bytes (as fault-proxy.ts does,
 * but chosen per Range). It forwards requests unchanged (same Host header, so signatures verify), records every object
 * GET with its Range and If-Match headers and the order in which responses finished, and counts requests still open,
 * so a test can see that a closed reader leaves none hanging.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One object GET as the proxy saw it. */
export interface SeenGet {
  path: string;
  range: string | undefined;
  ifMatch: string | undefined;
}

/** What to do to one object GET. */
export interface GetScript {
  /**
   * Answer 412 PreconditionFailed, as S3 does, when If-Match names another ETag than the server's response carries
   * (s3rver itself ignores If-Match).
   */
  enforceIfMatch?: boolean;
  /** Hold the response (status line included) back this long. */
  delayMs?: number;
  /** Deliver only this many body bytes, then drop the connection. */
  cutAfterBytes?: number;
}

/** A running proxy. */
export interface ScriptedProxy {
  endpoint: string;
  readonly gets: readonly SeenGet[];
  /** Range headers of the object GETs whose response body was delivered whole, in the order they finished. */
  readonly finished: ReadonlyArray<string | undefined>;
  /** Requests received whose response has neither finished nor been closed. */
  readonly open: number;
  close(): Promise<void>;
}

function isObjectGet(method: string | undefined, path: string): boolean {
  const [pathname = '', query = ''] = path.split('?', 2);
  return method === 'GET' && /^\/[^/]+\/.+/.test(pathname) && (query === '' || query === 'x-id=GetObject');
}

/** Starts the proxy on 127.0.0.1, any free port; `script` is asked once per object GET. */
export async function startScriptedProxy(target: string, script: (get: SeenGet, index: number) => GetScript): Promise<ScriptedProxy> {
  const upstreamUrl = new URL(target);
  const gets: SeenGet[] = [];
  const finished: Array<string | undefined> = [];
  let open = 0;
  const server = http.createServer((req, res) => {
    open += 1;
    let counted = true;
    const done = (): void => {
      if (counted) open -= 1;
      counted = false;
    };
    res.on('close', done);
    const path = req.url ?? '/';
    const header = (name: string): string | undefined => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
    const seen: SeenGet = { path, range: header('range'), ifMatch: header('if-match') };
    const plan = isObjectGet(req.method, path) ? script(seen, gets.push(seen) - 1) : {};
    const upstream = http.request({ host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path, headers: req.headers }, (response) => {
      const forward = (): void => {
        if (res.destroyed) {
          response.destroy();
          return;
        }
        if (plan.enforceIfMatch && seen.ifMatch !== undefined && response.headers.etag !== seen.ifMatch) {
          response.destroy();
          const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>'
            + '<Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition></Error>';
          res.writeHead(412, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
          res.end(xml);
          return;
        }
        res.writeHead(response.statusCode ?? 502, response.headers);
        if (plan.cutAfterBytes === undefined) {
          response.pipe(res);
          res.on('finish', () => {
            if (isObjectGet(req.method, path)) finished.push(seen.range);
          });
          return;
        }
        const limit = plan.cutAfterBytes;
        let sent = 0;
        response.on('end', () => {
          if (sent < limit) res.end();
        });
        response.on('data', (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) {
            response.destroy();
            setTimeout(() => res.socket?.destroy(), 20);
          }
        });
      };
      if (plan.delayMs) setTimeout(forward, plan.delayMs);
      else forward();
    });
    // The client went away (an aborted request): stop reading from the server too.
    res.on('close', () => upstream.destroy());
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    gets,
    finished,
    get open() {
      return open;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
