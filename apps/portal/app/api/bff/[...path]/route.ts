import { auth } from '../../../../lib/auth';

type Context = { params: Promise<{ path: string[] }> };

// Browser code calls the user-service through here without ever holding a token.
export function GET(request: Request, context: Context): Promise<Response> {
  return auth().bff.GET(request, context);
}

export function POST(request: Request, context: Context): Promise<Response> {
  return auth().bff.POST(request, context);
}

export function PATCH(request: Request, context: Context): Promise<Response> {
  return auth().bff.PATCH(request, context);
}

export function DELETE(request: Request, context: Context): Promise<Response> {
  return auth().bff.DELETE(request, context);
}
