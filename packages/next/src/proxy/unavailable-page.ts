/** A self-contained 503 page: no scripts, no styles, so it renders even when nothing else can. */
export function unavailablePage(retryAfterSeconds: number): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta http-equiv="refresh" content="${retryAfterSeconds}"><title>Temporarily unavailable</title></head>
<body>
<main>
<h1>Temporarily unavailable</h1>
<p>We cannot reach the sign-in service right now. You are still signed in; this page retries by itself.</p>
</main>
</body>
</html>`;
}
