import type { Auth } from '../create-auth.js';
import type { BffRouteHandlers } from '../routes/bff-route.js';

/** `app/api/bff/[...path]/route.ts` of an app whose auth instance is built on first use (`lazyAuth`). */
export function lazyBffRoute(auth: () => Auth): BffRouteHandlers {
  return {
    GET: (request, context) => auth().bff.GET(request, context),
    POST: (request, context) => auth().bff.POST(request, context),
    PATCH: (request, context) => auth().bff.PATCH(request, context),
    DELETE: (request, context) => auth().bff.DELETE(request, context),
  };
}
