/**
 * The email and password inputs every password form of the app shares: /signin and the approval popup. With
 * `passkeyAutofill` the email field also offers the browser's passkeys among its suggestions (WebAuthn L3 conditional
 * mediation: `autocomplete="username webauthn"`).
 */
export function CredentialFields({ message, passkeyAutofill = false }: { message: string | null; passkeyAutofill?: boolean }) {
  return (
    <>
      {message ? (
        <p className="alert" role="alert">
          {message}
        </p>
      ) : null}
      <label>
        Email
        <input name="email" type="email" autoComplete={passkeyAutofill ? 'username webauthn' : 'username'} required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
    </>
  );
}
