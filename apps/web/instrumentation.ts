// Runs once when the server starts: validate the environment now rather than on the first request.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { auth } = await import('./lib/auth');
  auth();
}
