// What the app's HTTP server (app/server.ts) knows of a request that the Fetch Request does not carry: the
// browser's address. The server build is a bundle of its own, so the store is found through a global symbol
// rather than a shared module instance; under any other server (remix-serve, remix dev) there is none, and
// the app simply knows no address.
import type { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestFacts {
  /** The browser's IP address: the peer of the socket the request came in on. */
  clientAddress: string;
}

export const REQUEST_STORE = Symbol.for('nexural.web.request-facts');

/** The address of the browser making the current request, when the app's own server runs it. */
export function clientAddress(): string | undefined {
  const store = (globalThis as Record<symbol, unknown>)[REQUEST_STORE] as
    | AsyncLocalStorage<RequestFacts>
    | undefined;
  return store?.getStore()?.clientAddress || undefined;
}
