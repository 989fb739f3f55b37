import type { Auth } from '../create-auth.js';
import type { AuthRouteHandlers } from '../routes/auth-route.js';

/** `app/api/auth/[...nextauth]/route.ts` of an app whose auth instance is built on first use (`lazyAuth`). */
export function lazyAuthRoute(auth: () => Auth): AuthRouteHandlers {
  return {
    GET: (request, context) => auth().handlers.GET(request, context),
    POST: (request, context) => auth().handlers.POST(request, context),
  };
}
