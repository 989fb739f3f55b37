import { auth } from '../../../../lib/auth';

// The provider's back-channel logout: a signed logout token, verified by the library, ends this app's session.
export function POST(request: Request): Promise<Response> {
  return auth().backchannelLogoutRoute.POST(request);
}
