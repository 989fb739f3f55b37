import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from 'oidc-provider';
import { z } from 'zod';
import { acrOf, authenticationResponseSchema, recoveryCodeSchema, totpCodeSchema, type AmrValue, type SecondFactorProof } from '@portcullis/contracts';
import { noticeSignIn } from '../accounts/security-notices.js';
import type { ServiceContext } from '../context.js';
import { ApiError } from '../errors.js';
import { PUBLIC } from '../http/access-rule.js';
import { clientContext } from '../http/client.js';
import { UnsafeTextError } from '../http/unsafe-text.js';
import { verifyCredentials } from '../passwords/verify-credentials.js';
import { methodsOf } from '../mfa/mfa-factors.js';
import type { PendingSignInRow } from '../mfa/pending-sign-ins.js';
import { afterPassword, finishWithFactor, pendingSignInOf } from '../mfa/sign-in-flow.js';
import type { UserRow } from '../users/user-store.js';
import { enrolFirstPage, errorPage, secondFactorPage, signInPage, type SignInLinks } from './pages.js';
import { forgetPendingSignIn, keepPendingSignIn, pendingSignInToken } from './pending-sign-in-cookie.js';
import { formActionOrigins, newNonce, pagePolicy } from './page-policy.js';
import type { OidcProviderHolder } from './provider-holder.js';
import { OIDC_PREFIX, type PortcullisLoginResult } from './provider.js';
import { registerUserinfoRoute } from './userinfo.js';

const FORM_LIMIT_BYTES = 8 * 1024;

const loginForm = z.object({
  email: z.string().trim().min(3).max(254),
  password: z.string().min(1).max(1024),
});

/** Refusals of the password check the sign-in page shows in place, with their own status (the rest are errors). */
const SHOWN_ON_THE_PAGE: ReadonlySet<string> = new Set(['invalid_credentials', 'rate_limited', 'email_unverified']);

const uidParams = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** Refusals of the second step the page shows in place: a wrong code or passkey, or too many of them. */
const SHOWN_ON_THE_SECOND_STEP: ReadonlySet<string> = new Set(['invalid_mfa', 'rate_limited']);

/** The passkey form posts the assertion as JSON text; anything that is not JSON is no assertion. */
const assertionJson = z.string().transform((text, context): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    context.addIssue({ code: 'custom', message: 'not JSON' });
    return z.NEVER;
  }
});

/** One second-factor form: a TOTP code, a recovery code, or a passkey assertion (the same proofs as the API's). */
const secondFactorForm = z.union([
  z.strictObject({ totp: totpCodeSchema }).transform((form): SecondFactorProof => ({ totp: form.totp })),
  z.strictObject({ recoveryCode: recoveryCodeSchema }).transform((form): SecondFactorProof => ({ recoveryCode: form.recoveryCode })),
  z.strictObject({ webauthn: assertionJson.pipe(authenticationResponseSchema) }).transform((form): SecondFactorProof => ({ webauthn: form.webauthn })),
]);

/**
 * The provider under Fastify. Its endpoints get the raw request and response (Fastify neither parses the body nor
 * answers), so the provider's own OAuth errors — JSON or HTML, 4xx — are what clients see. The sign-in interaction is
 * ours: a page and a form post that run the same password check as /v1/auth/login.
 */
export async function registerOidcRoutes(app: FastifyInstance, context: ServiceContext, holder: OidcProviderHolder): Promise<void> {
  const issuer = new URL(context.config.issuer);
  const formActions = formActionOrigins(context.config.oidc.clients);

  function page(reply: FastifyReply, status: number, render: (nonce: string) => string, policy: { connectSelf?: boolean } = {}): FastifyReply {
    const nonce = newNonce();
    return (
      reply
        .code(status)
        .header('content-security-policy', pagePolicy({ nonce, formActions, ...policy }))
        .header('cache-control', 'no-store')
        // With no-referrer browsers send `Origin: null` on the form post, and the origin check below needs the real one;
        // same-origin still tells other sites nothing (OWASP ASVS 5.0 §3.4.5).
        .header('referrer-policy', 'same-origin')
        .type('text/html; charset=utf-8')
        .send(render(nonce))
    );
  }

  await app.register(async (scope) => {
    // The provider reads the body itself: leave the stream untouched, whatever its type.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    const handOff = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const started = performance.now();
      const { callback } = await holder.current();
      const headers = request.raw.headers;
      // URLs the provider writes come from ISSUER, and the client address is the one decided for this request.
      headers.host = issuer.host;
      headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
      headers['x-forwarded-for'] = request.clientAddress;
      delete headers['x-forwarded-host'];
      // The provider answers on the raw response, past Fastify's onResponse hook: observe its latency here.
      reply.raw.once('finish', () => {
        context.metrics.requestDuration.observe(
          { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.raw.statusCode) },
          (performance.now() - started) / 1000,
        );
      });
      reply.hijack();
      await callback(request.raw, reply.raw);
    };
    // Text the guard refuses (src/http/unsafe-text.ts) gets the provider's own kinds of answer: its error page for a
    // browser's GET, an OAuth error body for a client's request (RFC 6749 §5.2).
    scope.setErrorHandler((error, request, reply) => {
      if (!(error instanceof UnsafeTextError)) throw error;
      if (request.method === 'GET') return page(reply, 400, (nonce) => errorPage({ nonce, error: 'invalid_request', description: error.message }));
      return reply.code(400).header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: error.message });
    });
    const methods = ['GET', 'POST', 'HEAD', 'OPTIONS'] as const;
    // Request lines without the query: it may hold an ID token (id_token_hint, with the user's email) or a login_hint.
    const logSerializers = {
      req: (request: FastifyRequest) => ({ method: request.method, url: request.url.split('?', 1)[0], remoteAddress: request.clientAddress }),
    };
    // The provider's own endpoints, described by its discovery document rather than by ours; it authenticates clients itself.
    const provided = { config: { access: PUBLIC }, schema: { hide: true }, handler: handOff, logSerializers };
    scope.route({ method: [...methods], url: '/.well-known/openid-configuration', ...provided });
    scope.route({ method: [...methods], url: `${OIDC_PREFIX}/*`, ...provided });
  });

  await registerUserinfoRoute(app);

  await app.register(async (scope) => {
    // The sign-in form posts application/x-www-form-urlencoded, which only this scope accepts.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    async function details(request: FastifyRequest, reply: FastifyReply, uid: string) {
      const { provider } = await holder.current();
      try {
        const interaction = await provider.interactionDetails(request.raw, reply.raw);
        // The cookie names the interaction; a URL naming another one is a stale tab or a forged link.
        if (interaction.uid !== uid) return null;
        const client = await provider.Client.find(String(interaction.params.client_id));
        return { provider, interaction, clientName: client?.clientName ?? client?.clientId ?? 'the application' };
      } catch (error) {
        if (error instanceof errors.SessionNotFound) return null;
        throw error;
      }
    }

    type Interaction = NonNullable<Awaited<ReturnType<typeof details>>>;
    /** A browser at the second step: its interaction, the mfaToken of its cookie, and the pending sign-in it names. */
    interface SecondStep {
      readonly found: Interaction;
      readonly mfaToken: string;
      readonly pending: PendingSignInRow;
      readonly user: UserRow;
    }

    // The web app's pages, from PUBLIC_APP_URL like every link the service writes; sign-up only while it is open.
    const links: SignInLinks = {
      forgotPassword: context.mailTemplates.link('forgot-password'),
      ...(context.config.accounts.signup === 'open' ? { signUp: context.mailTemplates.link('signup') } : {}),
    };

    const expired = (reply: FastifyReply) =>
      page(reply, 400, (nonce) => errorPage({ nonce, error: 'This sign-in request has expired.', description: 'Start again from the application.' }));

    // A browser gets a page, not the API's JSON, when the form or URL carries characters no field may hold.
    scope.setErrorHandler((error, _request, reply) => {
      if (!(error instanceof UnsafeTextError)) throw error;
      const what = error.part === 'body' ? 'The email or password contains' : 'This sign-in request contains';
      return page(reply, 400, (nonce) => errorPage({ nonce, error: `${what} characters that are not allowed.`, description: 'Start again from the application.' }));
    });

    // The sign-in pages are HTML for browsers, reached only through the provider's redirects: not part of the API document.
    const signInPages = { config: { access: PUBLIC }, schema: { hide: true } };
    scope.get(`${OIDC_PREFIX}/interaction/:uid`, signInPages, async (request, reply) => {
      const parsed = uidParams.safeParse(request.params);
      const found = parsed.success ? await details(request, reply, parsed.data.uid) : null;
      if (found === null) return expired(reply);
      const { provider, interaction, clientName } = found;
      if (interaction.prompt.name === 'consent') {
        // First-party clients never ask for consent (the grant is made by loadExistingGrant); finish the step.
        const returnTo = await provider.interactionResult(request.raw, reply.raw, { consent: {} });
        return reply.code(303).redirect(returnTo);
      }
      const action = `${OIDC_PREFIX}/interaction/${interaction.uid}/login`;
      return page(reply, 200, (nonce) => signInPage({ nonce, action, clientName, links }));
    });

    /**
     * The sign-in is finished (every factor proven): our session row with its methods (RFC 8176), then the
     * interaction's login with the same amr, acr and time, which the ID token repeats.
     */
    async function signedIn(request: FastifyRequest, reply: FastifyReply, found: Interaction, proven: { user: UserRow; amr: readonly AmrValue[] }) {
      const client = clientContext(request);
      const { user, amr } = proven;
      const { session } = await context.sessions.createSession(user, client, { amr });
      await context.audit.record({
        type: 'login.succeeded',
        userId: user.id,
        sid: session.id,
        ...client,
        detail: { via: 'oidc', client_id: String(found.interaction.params.client_id), amr: amr.join(' ') },
      });
      await noticeSignIn(context, { user, sid: session.id, client });
      const portcullis: PortcullisLoginResult = { sid: session.id };
      const returnTo = await found.provider.interactionResult(
        request.raw,
        reply.raw,
        { login: { accountId: user.id, ts: Math.floor(session.authTime.getTime() / 1000), amr: [...amr], acr: acrOf(amr), remember: true }, portcullis },
        { mergeWithLastSubmission: false },
      );
      return reply.code(303).redirect(returnTo);
    }

    /** A post from a page of ours: a cross-site form post never carries the SameSite cookies, and an Origin must be ours. */
    const foreignPost = (request: FastifyRequest) => request.headers.origin !== undefined && request.headers.origin !== issuer.origin;
    const interactionPath = (uid: string) => `${OIDC_PREFIX}/interaction/${uid}`;

    scope.post(`${OIDC_PREFIX}/interaction/:uid/login`, { ...signInPages, config: { ...signInPages.config, credentialCheck: 'login' } }, async (request, reply) => {
      const parsed = uidParams.safeParse(request.params);
      if (foreignPost(request)) return expired(reply);
      const found = parsed.success ? await details(request, reply, parsed.data.uid) : null;
      if (found === null) return expired(reply);
      const { interaction, clientName } = found;
      const action = `${interactionPath(interaction.uid)}/login`;
      const form = loginForm.safeParse(request.body);
      if (!form.success) {
        return page(reply, 400, (nonce) => signInPage({ nonce, action, clientName, links, error: 'Enter your email and password.' }));
      }
      const client = clientContext(request);
      let user;
      try {
        user = await verifyCredentials(context, { email: form.data.email, password: form.data.password, client, purpose: 'login' });
      } catch (error) {
        if (!(error instanceof ApiError) || !SHOWN_ON_THE_PAGE.has(error.code)) throw error;
        reply.headers(error.headers);
        return page(reply, error.status, (nonce) => signInPage({ nonce, action, clientName, links, email: form.data.email, error: error.message }));
      }
      // The same state machine as /v1/auth/login: no session of any kind before the last factor (OWASP ASVS 5.0 §6.3.1).
      const next = await afterPassword(context, user, client);
      switch (next.kind) {
        case 'complete':
          return signedIn(request, reply, found, { user, amr: next.amr });
        case 'second_factor': {
          const ttlSeconds = Math.max(1, Math.floor((next.expiresAt - context.clock.now()) / 1000));
          keepPendingSignIn(reply, interactionPath(interaction.uid), next.mfaToken, ttlSeconds);
          return reply.code(303).redirect(`${interactionPath(interaction.uid)}/mfa`);
        }
        case 'enrollment':
          // Enrolment needs the web app's pages (QR code, passkey registration): the user sets a factor up there first.
          return page(reply, 403, (nonce) => enrolFirstPage({ nonce, clientName, securityPage: `${context.config.mail.publicAppUrl}/account/security` }));
      }
    });

    /** The interaction and its pending sign-in (the browser's cookie, at the second-factor stage), or null. */
    async function secondStep(request: FastifyRequest, reply: FastifyReply): Promise<SecondStep | null> {
      const parsed = uidParams.safeParse(request.params);
      const found = parsed.success ? await details(request, reply, parsed.data.uid) : null;
      const mfaToken = pendingSignInToken(request);
      if (found === null || mfaToken === null) return null;
      const pending = await pendingSignInOf(context, mfaToken, 'second_factor', clientContext(request));
      if (pending === null) return null;
      return { found, mfaToken, pending: pending.pending, user: pending.user };
    }

    /** The second-factor page with the methods the user has now, under a policy that lets its script fetch options. */
    async function secondFactorAnswer(reply: FastifyReply, step: SecondStep, status: number, error?: string): Promise<FastifyReply> {
      const base = `${interactionPath(step.found.interaction.uid)}/mfa`;
      const methods = await methodsOf(context, step.user.id);
      const { clientName } = step.found;
      const render = (nonce: string) =>
        secondFactorPage({ nonce, action: base, optionsUrl: `${base}/passkey-options`, clientName, methods, ...(error === undefined ? {} : { error }) });
      return page(reply, status, render, { connectSelf: true });
    }

    const stepExpired = (request: FastifyRequest, reply: FastifyReply) => {
      const parsed = uidParams.safeParse(request.params);
      if (parsed.success) forgetPendingSignIn(reply, interactionPath(parsed.data.uid));
      return expired(reply);
    };

    scope.get(`${OIDC_PREFIX}/interaction/:uid/mfa`, signInPages, async (request, reply) => {
      const step = await secondStep(request, reply);
      if (step === null) return stepExpired(request, reply);
      return secondFactorAnswer(reply, step, 200);
    });

    scope.post(`${OIDC_PREFIX}/interaction/:uid/mfa`, signInPages, async (request, reply) => {
      if (foreignPost(request)) return expired(reply);
      const step = await secondStep(request, reply);
      if (step === null) return stepExpired(request, reply);
      const proof = secondFactorForm.safeParse(request.body);
      if (!proof.success) return secondFactorAnswer(reply, step, 400, 'Enter the code, or use your passkey.');
      let proven;
      try {
        proven = await finishWithFactor(context, { mfaToken: step.mfaToken, proof: proof.data, client: clientContext(request) });
      } catch (error) {
        if (!(error instanceof ApiError) || !SHOWN_ON_THE_SECOND_STEP.has(error.code)) throw error;
        reply.headers(error.headers);
        return secondFactorAnswer(reply, step, error.status, error.message);
      }
      forgetPendingSignIn(reply, interactionPath(step.found.interaction.uid));
      return signedIn(request, reply, step.found, proven);
    });

    // The passkey button's options: a challenge bound to this pending sign-in, for this user's passkeys only.
    scope.post(`${OIDC_PREFIX}/interaction/:uid/mfa/passkey-options`, signInPages, async (request, reply) => {
      if (foreignPost(request)) return reply.code(403).header('cache-control', 'no-store').send({ error: 'invalid_request' });
      const step = await secondStep(request, reply);
      if (step === null) return reply.code(400).header('cache-control', 'no-store').send({ error: 'expired' });
      try {
        const options = await context.passkeys.requestOptions({ userId: step.user.id, purpose: 'second_factor', boundTo: step.pending.tokenHash });
        return reply.code(200).header('cache-control', 'no-store').send(options);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'invalid_mfa') throw error;
        return reply.code(400).header('cache-control', 'no-store').send({ error: 'no_passkey' });
      }
    });
  });
}
