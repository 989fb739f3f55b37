import type { NextRequest, NextResponse } from 'next/server';
import { auth } from './lib/auth';

/** Refreshes tokens at the provider, checks revocation and single logout, sets security headers; pages check again. */
export function proxy(request: NextRequest): Promise<NextResponse> {
  return auth().proxy(request);
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
