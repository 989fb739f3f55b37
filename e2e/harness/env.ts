function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through e2e/playwright.config.ts`);
  return value;
}

/** Addresses and secrets the global set-up published for this run. */
export const harness = {
  get webUrl(): string {
    return required('E2E_WEB_URL');
  },
  get apiUrl(): string {
    return required('E2E_API_URL');
  },
  get gatewayControl(): string {
    return required('E2E_GATEWAY_CONTROL');
  },
  get secret(): string {
    return required('E2E_NEXTAUTH_SECRET');
  },
  get demoPassword(): string {
    return required('E2E_DEMO_PASSWORD');
  },
  /** Bearer token of the web app's /api/metrics. */
  get webMetricsToken(): string {
    return required('E2E_WEB_METRICS_TOKEN');
  },
};

export const DEMO_USERS = {
  alice: { email: 'alice@example.com', role: 'USER' },
  maria: { email: 'maria@example.com', role: 'MANAGER' },
  adam: { email: 'adam@example.com', role: 'ADMIN' },
} as const;

export type DemoUser = keyof typeof DEMO_USERS;

export const SESSION_COOKIE = '__Host-next-auth.session-token';
export const CSRF_COOKIE = '__Host-next-auth.csrf-token';
export const CALLBACK_COOKIE = '__Secure-next-auth.callback-url';

export async function setGateway(state: 'up' | 'down'): Promise<void> {
  const response = await fetch(`${harness.gatewayControl}/${state}`, { method: 'POST' });
  if (response.status !== 204) throw new Error(`gateway ${state} failed: ${response.status}`);
}
