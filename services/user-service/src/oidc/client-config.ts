import { z } from 'zod';

const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

const webUrl = z.string().refine(isWebUrl, 'must be an absolute http(s) URL without fragment or credentials');

/** One relying party, as written in `OIDC_CLIENTS`. */
const oidcClientSchema = z.strictObject({
  client_id: z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'must be 3–64 letters, digits, ".", "_" or "-"'),
  // A confidential client's secret is a password for machines: long and random (OWASP ASVS 5.0 §13.3).
  client_secret: z.string().min(32, 'must be at least 32 characters'),
  // Exact redirect URIs only; the provider compares them character by character (RFC 9700 §4.1.3).
  redirect_uris: z.array(webUrl).min(1),
  post_logout_redirect_uris: z.array(webUrl).default([]),
  backchannel_logout_uri: webUrl.optional(),
  scope: z
    .string()
    .trim()
    .refine((value) => value.split(/\s+/).includes('openid'), 'must include openid'),
  client_name: z.string().min(1).max(100).optional(),
});

export type OidcClientConfig = z.infer<typeof oidcClientSchema>;

/** `OIDC_CLIENTS`: a JSON array of clients with unique ids; a parse error names the variable, not a stack. */
export const oidcClientsSchema = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'must be valid JSON (an array of client objects)' });
      return z.NEVER;
    }
  })
  .pipe(z.array(oidcClientSchema))
  .refine((clients) => new Set(clients.map((client) => client.client_id)).size === clients.length, 'client_id values must be unique');

/** The OpenID scopes a client may ask for besides our API's scopes (`profile:read`, …). */
export function isOidcScope(scope: string): boolean {
  return (OIDC_SCOPES as readonly string[]).includes(scope);
}
