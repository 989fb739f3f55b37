import { headers } from 'next/headers.js';

export interface HeaderReader {
  get(name: string): string | null;
}

/** Where guards read the current request from; Next's `headers()` in an app, a stub in tests. */
export interface RequestContext {
  headers(): Promise<HeaderReader>;
}

export const nextRequestContext: RequestContext = {
  headers: () => headers(),
};
