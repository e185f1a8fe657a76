import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

const pageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../call-page');
/** Clips made at test time (`.cache/`), served under /clips/ for participants whose camera is a file. */
const clipDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.cache');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.mp4': 'video/mp4' };

/** The strict policy a careful meeting site might send: no inline script, no frames, nothing from elsewhere. */
export const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self' blob:; frame-src 'none'; child-src 'none'; worker-src 'none'; connect-src 'self'; object-src 'none'; base-uri 'none'";

/**
 * Serves the local call page on 127.0.0.1 (a random port): `/` as is, `/strict/` with a strict Content-Security-Policy.
 */
export async function startCallServer(): Promise<{ origin: string; close: () => Promise<void>; server: Server }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const strict = url.pathname.startsWith('/strict/');
    const clip = url.pathname.startsWith('/clips/');
    const name = url.pathname.replace(/^\/(strict\/|clips\/)?/, '') || 'index.html';
    if (!/^[\w.-]+$/.test(name) || (clip && extname(name) !== '.mp4')) {
      res.writeHead(404).end();
      return;
    }
    readFile(resolve(clip ? clipDir : pageDir, name)).then(
      (body) => {
        const headers: Record<string, string> = { 'content-type': TYPES[extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
        if (strict) headers['content-security-policy'] = STRICT_CSP;
        res.writeHead(200, headers).end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
