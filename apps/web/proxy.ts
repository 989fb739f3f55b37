import type { NextRequest, NextResponse } from 'next/server';
import { auth } from './lib/auth';

/** Refreshes tokens, checks revocation, sets security headers; a first filter only — pages check again. */
export function proxy(request: NextRequest): Promise<NextResponse> {
  return auth().proxy(request);
}

export const config = {
  // Everything but build assets: pages, server actions, the BFF and NextAuth routes all pass through.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
