/** The email and password inputs every password form of the app shares: /signin and the approval popup. */
export function CredentialFields({ message }: { message: string | null }) {
  return (
    <>
      {message ? (
        <p className="alert" role="alert">
          {message}
        </p>
      ) : null}
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
    </>
  );
}
