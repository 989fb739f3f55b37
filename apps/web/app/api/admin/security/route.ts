import { runInScopeOf } from '@portcullis/next';
import { adminNeedsMfa } from '../../../../lib/admin-guard';
import { auth } from '../../../../lib/auth';
import { loadSecurityDashboard } from '../../../../lib/security/security-data';
import { parseSecurityQuery } from '../../../../lib/security/security-query';

/**
 * The security dashboard's data for its live refresh. A public endpoint like any route handler: the first
 * line is the guard (ADMIN with audit:read, denials audited), whatever the proxy did before.
 */
export function GET(request: Request): Promise<Response> {
  // In the request's scope: its log lines and backend calls carry the id the proxy gave it.
  return runInScopeOf(request, () => load(request));
}

async function load(request: Request): Promise<Response> {
  try {
    const { accessToken } = await auth().require({ role: 'ADMIN', scope: 'audit:read', mfa: adminNeedsMfa(), resource: 'api:admin.security' });
    const query = parseSecurityQuery(Object.fromEntries(new URL(request.url).searchParams));
    const data = await loadSecurityDashboard(query, accessToken);
    return Response.json(data, { headers: { 'cache-control': 'private, no-store' } });
  } catch (error) {
    return auth().errorResponse(error);
  }
}
