import { describe, expect, it } from 'vitest';
import { portcullisNextConfig } from './next-config.js';

describe('the shared Next config', () => {
  it('assumes nothing about where the app lives: no Turbopack or tracing root unless one is given', () => {
    const standalone = portcullisNextConfig();
    expect(standalone.turbopack).toBeUndefined();
    expect(standalone.outputFileTracingRoot).toBeUndefined();
    expect(standalone.experimental?.authInterrupts).toBe(true);
  });

  it("resolves and traces from a monorepo's root when the app names it", () => {
    const inWorkspace = portcullisNextConfig({ workspaceRoot: '/repo' });
    expect(inWorkspace.turbopack?.root).toBe('/repo');
    expect(inWorkspace.outputFileTracingRoot).toBe('/repo');
  });
});
