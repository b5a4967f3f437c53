import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';

const MAX_BODY_BYTES = 1_000_000;

export interface RunningHttpServer {
  url: string;
  port: number;
  server: http.Server;
  stop(): Promise<void>;
}

export type ExtraRoute = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

/**
 * Serves an Apollo Server on Node's own http module at `/graphql`, with a `/health` route for
 * load balancers. Extra routes (returning true when they answered) come first.
 */
export async function serveGraphQL<TContext extends BaseContext>(options: {
  apollo: ApolloServer<TContext>;
  /** Builds a request's context; `rawBody` is the body exactly as sent (signatures cover it). */
  context: (req: http.IncomingMessage, rawBody: string) => Promise<TContext>;
  port: number;
  host: string;
  routes?: ExtraRoute[];
}): Promise<RunningHttpServer> {
  const { apollo } = options;
  await apollo.start();
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      console.error('[http] unhandled', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const route of options.routes ?? []) if (await route(req, res)) return;
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (url.pathname !== '/graphql') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found. GraphQL is served at /graphql.');
      return;
    }
    const raw = await readBody(req);
    if (raw === TOO_LARGE) {
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] }));
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method?.toUpperCase() ?? 'GET', headers, search: url.search, body: parseBody(req, raw) },
      context: () => options.context(req, raw),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}/graphql`,
    port,
    server,
    async stop() {
      await apollo.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const TOO_LARGE = Symbol('too large');

async function readBody(req: http.IncomingMessage): Promise<string | typeof TOO_LARGE> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(req: http.IncomingMessage, text: string): unknown {
  if (!text) return undefined;
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      return JSON.parse(text);
    } catch {
      return text; // Apollo answers a malformed body with a 400 of its own
    }
  }
  return text;
}
