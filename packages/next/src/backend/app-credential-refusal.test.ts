import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../logging/logger.js';
import { createAuthMetrics } from '../metrics/auth-metrics.js';
import { AuthHarness } from '../test-support/auth-harness.js';

let h: AuthHarness;
let errors: string[];
const metrics = createAuthMetrics();

beforeEach(async () => {
  errors = [];
  const ignore = (): void => undefined;
  const logger: Logger = { debug: ignore, info: ignore, warn: ignore, error: (_fields: unknown, message?: string) => void errors.push(message ?? '') } as Logger;
  h = await new AuthHarness().start({ logger, metrics });
});
afterEach(async () => {
  await h.stop();
});

describe('an app credential the user-service does not know', () => {
  it("is this app's misconfiguration, not the users' fault: sessions stay (unavailable), and the log says what to fix", async () => {
    const { cookie } = await h.signIn();
    // The service moved on to a new credential before this app did.
    h.backend.appCredential = 'a-credential-this-app-has-not-been-given-yet';
    h.clock.advance(4_500);

    const page = await h.auth.proxy(h.request('/', { cookie }));
    expect(page.headers.get('location') ?? '').not.toContain('SessionExpired');
    expect(AuthHarness.setSessionCookie(page)).toBeUndefined();
    h.clock.advance(1_000);
    const expired = await h.auth.proxy(h.request('/', { cookie }));
    expect(expired.status).toBe(503);
    expect(AuthHarness.setSessionCookie(expired)).toBeUndefined();

    expect(errors.filter((line) => line.includes('PORTCULLIS_APP_CREDENTIAL'))).toHaveLength(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/portcullis_web_backend_failures_total\{operation="refresh",reason="app_credential_refused"\} [1-9]/);
  });
});
