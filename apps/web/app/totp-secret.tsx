/**
 * A new authenticator-app secret (RFC 6238) as the person needs it: a QR code to scan (drawn on the server, so the secret
 * never reaches a third party) and the setup key as text for an app without a camera.
 */
export function TotpSecret({ qrCode, secret }: { qrCode: string; secret: string }) {
  return (
    <>
      <p>Scan this QR code with an authenticator app (for example on your phone), or type the setup key into it.</p>
      <img src={qrCode} alt="QR code for your authenticator app" width={200} height={200} />
      <p>
        Setup key: <code aria-label="Setup key">{secret}</code>
      </p>
    </>
  );
}
