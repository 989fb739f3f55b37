import { renderToStaticMarkup } from 'react-dom/server';
import type { ReactElement } from 'react';
import { describe, expect, it } from 'vitest';
import { AccountProblem } from './account-problem';

const render = (element: ReactElement): string => renderToStaticMarkup(element);

describe('what an account page says when its request was refused', () => {
  it('says nothing before the first try and after a success', () => {
    expect(render(<AccountProblem result={null} />)).toBe('');
    expect(render(<AccountProblem result={{ ok: true, data: null }} />)).toBe('');
  });

  it('offers a new link after "expired or already used", and only then', () => {
    const newLink = <a href="/forgot-password">Ask for a new link.</a>;
    const expired = render(
      <AccountProblem result={{ ok: false, error: 'invalid_token', message: 'This link has expired or was already used. Ask for a new one.' }} newLink={newLink} />,
    );
    expect(expired).toContain('role="alert"');
    expect(expired).toContain('expired or was already used');
    expect(expired).toContain('href="/forgot-password"');
    expect(render(<AccountProblem result={{ ok: false, error: 'weak_password', message: 'Too common.' }} newLink={newLink} />)).not.toContain('/forgot-password');
  });

  it("shows the password policy's reason", () => {
    expect(render(<AccountProblem result={{ ok: false, error: 'weak_password', message: 'This password is among the most common ones; choose another.' }} />)).toContain(
      'among the most common ones',
    );
  });

  it('says "try again" when the service is down: nothing was refused', () => {
    const down = render(<AccountProblem result={{ ok: false, error: 'backend_unavailable', message: 'The user-service is temporarily unavailable.' }} />);
    expect(down).toContain('try again shortly');
    expect(down).toContain('nothing was changed');
  });

  it('names a mistyped confirmation instead of a generic "invalid input"', () => {
    expect(render(<AccountProblem result={{ ok: false, error: 'invalid_input', message: 'The request was not valid.', fields: ['confirmPassword'] }} />)).toContain(
      'The two passwords differ',
    );
  });
});
