// Runs once when the server starts: validate the environment now rather than on the first request.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { auth } = await import('./lib/auth');
  const { observeHttpServer } = await import('@portcullis/next');
  observeHttpServer({ metrics: auth().config.metrics, routes: HTTP_ROUTES });
}

// Latency is labelled by these patterns only (anything else is "other"), so scanners cannot create series.
const HTTP_ROUTES = ['/', '/signin', '/forbidden', '/sessions', '/api/auth/*', '/api/bff/*'];
