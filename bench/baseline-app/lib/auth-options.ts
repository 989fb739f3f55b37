// DELIBERATELY NAIVE BENCHMARK BASELINE — not product code, never deploy it.
// It reproduces the refresh pattern the seed published (and that the NextAuth v4 tutorial "Refresh Token Rotation",
// https://next-auth.js.org/tutorials/refresh-token-rotation, teaches): the `jwt` callback refreshes when
// `Date.now()` passes `token.expires`, with no single-flight and no lead time, and pages reach it through
// `getServerSession`. Scenario 1 of `npm run bench` measures it beside the Portcullis app on the same user-service.
import type { TokenResponse } from '@portcullis/contracts';
import type { NextAuthOptions } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import CredentialsProvider from 'next-auth/providers/credentials';

/** The user-service's base URL; read when first needed, because `next build` imports this module without it. */
export function apiUrl(): string {
  const url = process.env.API_URL;
  if (url === undefined || url === '') throw new Error('API_URL is required (the user-service, e.g. http://127.0.0.1:4000)');
  return url;
}

/**
 * Takes a token and returns a new token with an updated `accessToken` and `expires`; if an error occurs, returns the
 * old token and an error property. The tutorial's `refreshAccessToken()`, with our user-service's
 * `POST /v1/auth/refresh` in place of Google's token endpoint. Every caller whose token is due calls it: N parallel
 * requests with one cookie are N refreshes of one refresh token.
 */
async function refreshAccessToken(token: JWT): Promise<JWT> {
  try {
    const response = await fetch(`${apiUrl()}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: token.refreshToken }),
      cache: 'no-store',
    });
    if (!response.ok) throw new Error(`refresh answered ${response.status}`);
    const refreshed = (await response.json()) as TokenResponse;
    // Our service always rotates, so the tutorial's "fall back to the old refresh token" never applies.
    return { ...token, accessToken: refreshed.accessToken, expires: refreshed.accessTokenExpiresAt, refreshToken: refreshed.refreshToken };
  } catch (error) {
    // The status only: the answer never carries a token when it failed, but a log line is not the place to find out.
    console.error(`[baseline] RefreshAccessTokenError: ${error instanceof Error ? error.message : 'unknown'}`);
    return { ...token, error: 'RefreshAccessTokenError' };
  }
}

export const authOptions: NextAuthOptions = {
  session: { strategy: 'jwt' },
  providers: [
    CredentialsProvider({
      name: 'Portcullis user-service',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials) {
        const response = await fetch(`${apiUrl()}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: credentials?.email ?? '', password: credentials?.password ?? '' }),
          cache: 'no-store',
        });
        if (!response.ok) return null;
        const tokens = (await response.json()) as TokenResponse;
        return {
          id: tokens.user.id,
          email: tokens.user.email,
          name: tokens.user.name,
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expires: tokens.accessTokenExpiresAt,
        };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      // Initial sign in
      if (user) return { ...token, accessToken: user.accessToken, refreshToken: user.refreshToken, expires: user.expires };
      // Return previous token if the access token has not expired yet
      if (Date.now() < token.expires) return token;
      // Access token has expired, try to update it. From a server component the updated token is lost: getServerSession
      // there answers through a response whose setCookie does nothing (next-auth issues #7558, #11853), so the
      // cookie keeps the refresh token this call just used — the seed's bug.
      return refreshAccessToken(token);
    },
    async session({ session, token }) {
      // As published: the access token and the refresh error travel in the session (and so to the browser).
      session.accessToken = token.accessToken;
      if (token.error !== undefined) session.error = token.error;
      return session;
    },
  },
};
