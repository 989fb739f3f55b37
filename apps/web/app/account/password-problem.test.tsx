import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PasswordProblem } from './password-problem';

describe('what /account says when a change was refused', () => {
  it('says a wrong current password plainly, not as a failed sign-in', () => {
    const html = renderToStaticMarkup(<PasswordProblem result={{ ok: false, error: 'invalid_credentials', message: 'Wrong email or password.' }} />);
    expect(html).toContain('role="alert"');
    expect(html).toContain('not your current password');
    expect(html).not.toContain('Wrong email');
  });

  it("leaves the other refusals to the account pages' words: the policy's reason, a mistyped confirmation", () => {
    expect(renderToStaticMarkup(<PasswordProblem result={{ ok: false, error: 'weak_password', message: 'Too common.' }} />)).toContain('Too common.');
    expect(renderToStaticMarkup(<PasswordProblem result={{ ok: false, error: 'invalid_input', message: 'x', fields: ['confirmPassword'] }} />)).toContain(
      'The two passwords differ',
    );
    expect(renderToStaticMarkup(<PasswordProblem result={null} />)).toBe('');
  });
});
