import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoint does with each POST, in turn; the last step repeats. */
export type EndpointStep = 'fail' | 'hang' | 'accept';

export interface ReceivedPost {
  idempotencyKey: string | null;
  reportId: string | null;
  body: string;
  answeredWith: EndpointStep;
}

/**
 * An organisation's report endpoint on loopback, as the tests need it: answers CORS preflights (the extension has no
 * host permission for it, so its POST is a CORS request), follows a script of failures, timeouts and successes, and
 * deduplicates by Idempotency-Key as the contract asks of a receiver.
 */
export async function startReportEndpoint(steps: EndpointStep[]): Promise<{
  url: string;
  posts: ReceivedPost[];
  /** Reports stored, one per Idempotency-Key. */
  stored: Map<string, string>;
  close: () => Promise<void>;
}> {
  const posts: ReceivedPost[] = [];
  const stored = new Map<string, string>();
  const hanging = new Set<ServerResponse>();
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': 'content-type, idempotency-key, x-unmask-report-id',
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    if (req.method !== 'POST' || req.url !== '/reports') {
      res.writeHead(404, cors).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const step = steps[Math.min(posts.length, steps.length - 1)] ?? 'accept';
      const key = req.headers['idempotency-key'];
      const post: ReceivedPost = {
        idempotencyKey: typeof key === 'string' ? key : null,
        reportId: typeof req.headers['x-unmask-report-id'] === 'string' ? req.headers['x-unmask-report-id'] : null,
        body: Buffer.concat(chunks).toString('utf8'),
        answeredWith: step,
      };
      posts.push(post);
      if (step === 'fail') res.writeHead(503, cors).end('temporarily unavailable');
      else if (step === 'hang') hanging.add(res); // never answered: the client must give up on its own
      else {
        if (post.idempotencyKey && !stored.has(post.idempotencyKey)) stored.set(post.idempotencyKey, post.body);
        res.writeHead(201, { ...cors, 'content-type': 'application/json' }).end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/reports`,
    posts,
    stored,
    close: () =>
      new Promise<void>((ok) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
