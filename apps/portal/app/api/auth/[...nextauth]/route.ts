import { auth } from '../../../../lib/auth';

type Context = { params: Promise<{ nextauth: string[] }> };

export function GET(request: Request, context: Context): Promise<Response> {
  return auth().handlers.GET(request, context);
}

// Origin-checked; sign-out ends the session here, then at the provider (single logout).
export function POST(request: Request, context: Context): Promise<Response> {
  return auth().handlers.POST(request, context);
}
