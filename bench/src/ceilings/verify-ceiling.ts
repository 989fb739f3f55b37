// Ceiling for GET /v1/me: a bare Fastify route that does one jwtVerify with the user-service's own public key and
// the same verification options, nothing else (no session check, no user lookup, no logging).
import Fastify from 'fastify';
import { importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';

const port = Number(process.env.PORT);
const jwksUrl = process.env.JWKS_URL ?? '';
const issuer = process.env.ISSUER ?? 'http://localhost:4000';
const audience = process.env.AUDIENCE ?? 'portcullis';

const jwks = (await (await fetch(jwksUrl)).json()) as { keys: JWK[] };
const keys = new Map<string, CryptoKey>();
for (const jwk of jwks.keys) {
  if (typeof jwk.kid === 'string' && typeof jwk.alg === 'string') keys.set(jwk.kid, (await importJWK(jwk, jwk.alg)) as CryptoKey);
}

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/me', async (request, reply) => {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined) return reply.code(401).send({ error: 'invalid_token' });
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
        if (key === undefined) throw new Error('unknown kid');
        return key;
      },
      { algorithms: ['EdDSA', 'ES256'], issuer, audience, typ: 'at+jwt', clockTolerance: 30, requiredClaims: ['exp', 'iat', 'sub', 'jti'] },
    );
    return { sub: payload.sub };
  } catch {
    return reply.code(401).send({ error: 'invalid_token' });
  }
});
await app.listen({ host: '127.0.0.1', port });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
