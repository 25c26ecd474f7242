// The web app's HTTP server: what remix-serve does (compression, build assets cached for a year as they are
// content-hashed, public files for an hour, a log line per request), plus the one thing remix-serve cannot:
// telling the app who is asking. This server is the app's edge, so the browser's address is the socket's
// peer; it travels with the request in an AsyncLocalStorage that loaders and actions read through
// `clientAddress()` (supabase.server.ts forwards it to Auth). Nothing a client sends can set it.
//
//   node --import tsx app/server.ts build/index.js      (PORT, default 3000; HOST, default all interfaces)
import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import url from 'node:url';
import type { ServerBuild } from '@remix-run/server-runtime';
import compression from 'compression';
import express from 'express';
import morgan from 'morgan';
import { REQUEST_STORE, type RequestFacts } from './request-facts.server.ts';

process.env.NODE_ENV ??= 'production';

// The declarations of @remix-run/node (which @remix-run/express's refer to) make NODE_ENV a required key of
// every process.env-shaped object in the whole program, so the two functions used from them are typed here.
const { installGlobals } = (await import('@remix-run/node' as string)) as {
  installGlobals(opts: { nativeFetch?: boolean }): void;
};
const { createRequestHandler } = (await import('@remix-run/express' as string)) as {
  createRequestHandler(opts: { build: ServerBuild; mode?: string }): express.RequestHandler;
};

const buildPath = path.resolve(process.argv[2] ?? 'build/index.js');
const build = (await import(url.pathToFileURL(buildPath).href)) as ServerBuild;
// As remix-serve does: the Fetch API of @remix-run/web-fetch unless the app uses single fetch.
installGlobals({ nativeFetch: build.future.v3_singleFetch });

const store = new AsyncLocalStorage<RequestFacts>();
(globalThis as Record<symbol, unknown>)[REQUEST_STORE] = store;

const app = express();
app.disable('x-powered-by');
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: '1y' }));
app.use(express.static('public', { maxAge: '1h' }));
app.use(morgan('tiny'));
const remix = createRequestHandler({ build, mode: process.env.NODE_ENV });
app.all('*', (req, res, next) => {
  const clientAddress = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  store.run({ clientAddress }, () => remix(req, res, next));
});

const port = Number(process.env.PORT ?? 3000);
const onListen = () => console.log(`listening on http://${process.env.HOST ?? 'localhost'}:${port}`);
const server = process.env.HOST ? app.listen(port, process.env.HOST, onListen) : app.listen(port, onListen);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => server.close(() => process.exit(0)));
