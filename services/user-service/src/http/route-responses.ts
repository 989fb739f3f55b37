import { ERROR_CODES, errorBodyWith, type ErrorCode, type ErrorStatusVariant } from '@portcullis/contracts';
import type { z } from 'zod';
import type { AccessRule } from './access-rule.js';

type ErrorBodySchema = ReturnType<typeof errorBodyWith>;

/**
 * Refusals any route can give: malformed input or a foreign origin (400), a wrong app credential header, which is
 * checked on every request (401), and our own failure or a dependency's (500, 503).
 */
const EVERY_ROUTE: readonly ErrorCode[] = ['invalid_request', 'invalid_app_credential', 'internal_error', 'unavailable'];
/** A request that can carry a body can carry one too large or of a type we do not read. */
const WITH_BODY: readonly ErrorCode[] = ['payload_too_large', 'unsupported_media_type'];

/** The refusals an access rule itself gives, so each route declares only those its own handler adds. */
function refusalsOf(rule: AccessRule): ErrorCode[] {
  if (rule.kind === 'public') return [];
  if (rule.kind === 'metrics_scraper') return ['not_found'];
  return [
    'invalid_token',
    ...(rule.scope === undefined && rule.role === undefined ? [] : (['insufficient_scope'] as const)),
    ...(rule.recentAuthentication === true ? (['insufficient_user_authentication'] as const) : []),
  ];
}

/**
 * A route's responses: its successes as given, and one `{error, message}` body per refusing status, narrowed to the
 * codes that status can carry on this route (from the ERROR_CODES registry, or a code's declared status variant). The
 * serializer answers only with what is declared here, so nothing undeclared leaves the service.
 */
export function routeResponses<const S extends Record<number, z.ZodType>>(
  rule: AccessRule,
  successes: S,
  options: { readonly refuses?: ReadonlyArray<ErrorCode | ErrorStatusVariant>; readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' },
): S & Record<number, ErrorBodySchema> {
  const refusals = [...EVERY_ROUTE, ...(options.method === 'GET' ? [] : WITH_BODY), ...refusalsOf(rule), ...(options.refuses ?? [])];
  const byStatus = new Map<number, [ErrorCode, ...ErrorCode[]]>();
  for (const refusal of refusals) {
    const [code, status] = typeof refusal === 'string' ? [refusal, ERROR_CODES[refusal]] : [refusal.code, refusal.status];
    const known = byStatus.get(status);
    if (known === undefined) byStatus.set(status, [code]);
    else if (!known.includes(code)) known.push(code);
  }
  const bodies: Record<number, ErrorBodySchema> = {};
  for (const [status, statusCodes] of byStatus) bodies[status] = errorBodyWith(statusCodes);
  return { ...bodies, ...successes };
}
