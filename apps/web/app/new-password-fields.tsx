/**
 * A new password, typed twice. The hint states the policy (OWASP ASVS 5.0 §6.2: at least 8 characters, 15 recommended, no
 * composition rules); the user-service checks the rest (common, breached, containing the email) and says why it refuses.
 */
export function NewPasswordFields() {
  return (
    <>
      <label>
        New password
        <input name="password" type="password" autoComplete="new-password" minLength={8} maxLength={1024} required aria-describedby="new-password-hint" />
      </label>
      <p id="new-password-hint" className="muted">
        At least 8 characters, 15 or more recommended. A few unrelated words make a long password that is easy to remember.
      </p>
      <label>
        Confirm the new password
        <input name="confirmPassword" type="password" autoComplete="new-password" maxLength={1024} required />
      </label>
    </>
  );
}
