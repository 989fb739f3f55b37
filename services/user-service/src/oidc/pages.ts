/**
 * The provider's HTML pages: sign-in, the sign-out hand-off and errors. Every interpolated value is escaped; styles
 * and the one script carry the response's CSP nonce, so the policy can stay `default-src 'none'` (OWASP ASVS 5.0 §3.4).
 */

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f5f5f4;color:#1c1917;display:flex;justify-content:center;margin:0;padding:3rem 1rem}
main{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:2rem;width:100%;max-width:22rem}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.5rem;font-size:1rem;border:1px solid #a8a29e;border-radius:4px}
button{margin-top:1.25rem;width:100%;padding:.6rem;font-size:1rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
p.error{color:#b91c1c;margin:.5rem 0}p.muted{color:#57534e;font-size:.9rem}`;

function layout(options: { title: string; nonce: string; body: string; script?: string }): string {
  const script = options.script === undefined ? '' : `<script nonce="${escapeHtml(options.nonce)}">${options.script}</script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(options.title)}</title>
<style nonce="${escapeHtml(options.nonce)}">${STYLE}</style>
</head>
<body>
<main>
${options.body}
</main>
${script}
</body>
</html>`;
}

/** Where the sign-in page sends someone who forgot the password or has no account yet: pages of the web app. */
export interface SignInLinks {
  readonly forgotPassword: string;
  /** Only while anyone may sign up (SIGNUP=open). */
  readonly signUp?: string;
}

export function signInPage(options: { nonce: string; action: string; clientName: string; links: SignInLinks; email?: string; error?: string }): string {
  const error = options.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  const { forgotPassword, signUp } = options.links;
  const signUpLink = signUp === undefined ? '' : `<br>No account yet? <a href="${escapeHtml(signUp)}">Sign up</a>`;
  return layout({
    title: 'Sign in — Portcullis',
    nonce: options.nonce,
    body: `<h1>Sign in</h1>
<p class="muted">to continue to ${escapeHtml(options.clientName)}</p>
${error}
<form method="post" action="${escapeHtml(options.action)}" autocomplete="on">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${escapeHtml(options.email ?? '')}" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>
<p class="muted"><a href="${escapeHtml(forgotPassword)}">Forgot your password?</a>${signUpLink}</p>`,
  });
}

/**
 * RP-initiated logout: the provider asks for a confirmation form post (with its XSRF value). The request already
 * carries a valid `id_token_hint` and a registered `post_logout_redirect_uri`, so the page submits itself — with
 * `logout=yes`, which ends the whole SSO session and notifies every client — and offers a button without script.
 */
export function signOutPage(options: { nonce: string; form: string }): string {
  // The provider's form is its own markup (action and XSRF value, already escaped by it); we add logout=yes.
  const form = options.form.replace('</form>', '<input type="hidden" name="logout" value="yes"/><button type="submit">Sign out</button></form>');
  return layout({
    title: 'Signing out — Portcullis',
    nonce: options.nonce,
    body: `<h1>Signing out…</h1>\n${form}`,
    script: "document.getElementById('op.logoutForm').submit();",
  });
}

export function signedOutPage(options: { nonce: string }): string {
  return layout({ title: 'Signed out — Portcullis', nonce: options.nonce, body: '<h1>You are signed out</h1><p class="muted">You can close this window.</p>' });
}

export function errorPage(options: { nonce: string; error: string; description: string | undefined }): string {
  const description = options.description === undefined ? '' : `<p>${escapeHtml(options.description)}</p>`;
  return layout({
    title: 'Sign-in problem — Portcullis',
    nonce: options.nonce,
    body: `<h1>Something is wrong with this sign-in request</h1>\n<p class="error">${escapeHtml(options.error)}</p>\n${description}<p class="muted">Go back to the application and try again.</p>`,
  });
}
