import { randomBytes } from 'node:crypto';
import { test as base } from '@playwright/test';
import { startSystem, type System } from './system.js';

/**
 * A Playwright `test` whose tests share one system of their own, started once per worker with these options: for specs
 * that change what others rely on (a short step-up age, open sign-up, accounts that change address).
 */
export function testOnOwnSystem(options: Parameters<typeof startSystem>[0]) {
  return base.extend<object, { system: System }>({
    system: [
      // eslint-disable-next-line no-empty-pattern -- Playwright reads fixture dependencies from this pattern.
      async ({}, use) => {
        const system = await startSystem(options);
        await use(system);
        await system.stop();
      },
      { scope: 'worker', timeout: 150_000 },
    ],
  });
}

/** A fresh address per test, so reruns and other specs never meet it. */
export function newAddress(who: string): string {
  return `${who}-${randomBytes(5).toString('hex')}@example.com`;
}

/** A password the policy accepts: long, not common, holding neither the address nor the app's name. */
export function newPassword(): string {
  return `correct horse ${randomBytes(6).toString('hex')} staple`;
}
