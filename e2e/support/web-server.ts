import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The browser tests' front door: serves the built UI (dist/web, or RAMPART_WEB_DIR) with the
 * single-page fallback, and proxies /api (and the pages behind email links, feeds) to a Rampart instance — the same shape as production, where
 * Rampart serves both. It listens first, so its URL can be Rampart's PUBLIC_URL (the links in
 * invitation emails then point at it). Every response carries Rampart's own Content-Security-Policy,
 * copied from the API, so a CSP violation in the UI fails the tests.
 */
export const webDir = process.env.RAMPART_WEB_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.map': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

/** Pages Rampart itself serves outside /api (behind links in emails; feeds): proxied like /api. */
const SERVER_PAGES = /^\/(alerts\/(ack|unsubscribe)|feeds\/)/;

export interface WebServer {
  url: string;
  /** Where /api goes (set once Rampart listens). */
  setApi(origin: string): Promise<void>;
  close(): Promise<void>;
}

export async function startWebServer(): Promise<WebServer> {
  if (!existsSync(path.join(webDir, 'index.html'))) throw new Error(`No built UI in ${webDir}: run node scripts/build.mjs first`);
  let api: URL | null = null;
  let csp = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/api/') || SERVER_PAGES.test(url.pathname)) {
      if (!api) return void res.writeHead(503).end('API not ready');
      const upstream = http.request({ host: api.hostname, port: api.port, method: req.method, path: req.url, headers: { ...req.headers, host: api.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
      return;
    }
    let file = path.join(webDir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(webDir) || !existsSync(file) || statSync(file).isDirectory()) file = path.join(webDir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', ...(csp ? { 'content-security-policy': csp } : {}) });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async setApi(origin) {
      api = new URL(origin);
      const r = await fetch(`${origin}/api/auth/session`);
      csp = r.headers.get('content-security-policy') ?? '';
      if (!csp) throw new Error('Rampart sent no Content-Security-Policy');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
