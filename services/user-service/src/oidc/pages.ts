import type { MfaMethod } from '@portcullis/contracts';

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
 * The passkey button's script: asks the interaction for request options, lets the browser's authenticator answer
 * (WebAuthn L3 §5.1.4, `navigator.credentials.get`), and posts the assertion as JSON in the form. The options' binary
 * fields travel as base64url, converted with the L3 JSON helpers where the browser has them.
 */
const PASSKEY_SCRIPT = `(function () {
  var button = document.getElementById('passkey-button');
  var form = document.getElementById('passkey-form');
  if (!button || !form || !window.PublicKeyCredential) { if (button) button.hidden = true; return; }
  function bytes(value) {
    var text = atob(value.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((value.length + 3) % 4));
    return Uint8Array.from(text, function (c) { return c.charCodeAt(0); }).buffer;
  }
  function text(buffer) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function parse(options) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(options);
    var parsed = Object.assign({}, options, { challenge: bytes(options.challenge) });
    parsed.allowCredentials = (options.allowCredentials || []).map(function (c) { return Object.assign({}, c, { id: bytes(c.id) }); });
    return parsed;
  }
  function json(credential) {
    if (credential.toJSON) return credential.toJSON();
    var r = credential.response;
    return { id: credential.id, rawId: text(credential.rawId), type: credential.type, authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: text(r.clientDataJSON), authenticatorData: text(r.authenticatorData), signature: text(r.signature), userHandle: r.userHandle ? text(r.userHandle) : undefined } };
  }
  button.addEventListener('click', function () {
    button.disabled = true;
    fetch(form.dataset.options, { method: 'POST', credentials: 'same-origin' })
      .then(function (answer) { if (!answer.ok) throw new Error('no options'); return answer.json(); })
      .then(function (options) { return navigator.credentials.get({ publicKey: parse(options) }); })
      .then(function (credential) { form.elements.webauthn.value = JSON.stringify(json(credential)); form.submit(); })
      .catch(function () { button.disabled = false; document.getElementById('passkey-error').hidden = false; });
  });
})();`;

/** The second step of the sign-in: a passkey, a code of the authenticator app, or a recovery code, as the user has them. */
export function secondFactorPage(options: {
  nonce: string;
  action: string;
  optionsUrl: string;
  clientName: string;
  methods: readonly MfaMethod[];
  error?: string;
}): string {
  const error = options.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  const action = escapeHtml(options.action);
  const passkey = options.methods.includes('webauthn')
    ? `<form id="passkey-form" method="post" action="${action}" data-options="${escapeHtml(options.optionsUrl)}">
<input type="hidden" name="webauthn" value="">
<button type="button" id="passkey-button">Use a passkey</button>
<p class="error" id="passkey-error" role="alert" hidden>The passkey did not answer. Try again, or use a code.</p>
</form>`
    : '';
  const totp = options.methods.includes('totp')
    ? `<form method="post" action="${action}" autocomplete="off">
<label for="totp">Code from your authenticator app</label>
<input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button type="submit">Verify</button>
</form>`
    : '';
  const recovery = options.methods.includes('recovery_code')
    ? `<details><summary>Use a recovery code</summary>
<form method="post" action="${action}" autocomplete="off">
<label for="recoveryCode">Recovery code</label>
<input id="recoveryCode" name="recoveryCode" autocomplete="off" maxlength="11" required>
<button type="submit">Use the recovery code</button>
</form></details>`
    : '';
  return layout({
    title: 'Second step — Portcullis',
    nonce: options.nonce,
    body: `<h1>Confirm it is you</h1>
<p class="muted">to continue to ${escapeHtml(options.clientName)}</p>
${error}
${[passkey, totp, recovery].filter((part) => part !== '').join('\n')}`,
    ...(passkey === '' ? {} : { script: PASSKEY_SCRIPT }),
  });
}

/** A user who must have a second factor and has none: enrolment happens in the web app, not in these pages. */
export function enrolFirstPage(options: { nonce: string; clientName: string; securityPage: string }): string {
  return layout({
    title: 'Set up a second factor — Portcullis',
    nonce: options.nonce,
    body: `<h1>Set up a second factor first</h1>
<p>Your account must be protected by a second factor (a passkey or an authenticator app) before you can continue to ${escapeHtml(options.clientName)}.</p>
<p><a href="${escapeHtml(options.securityPage)}">Set one up under Account, Security</a>, then sign in to ${escapeHtml(options.clientName)} again.</p>`,
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
