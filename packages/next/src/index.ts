export { createAuth } from './create-auth.js';
export type { Auth, CreateAuthSeams } from './create-auth.js';
export type { CreateAuthOptions, AuthConfig, OidcConfig } from './options.js';
export { OIDC_PROVIDER_ID } from './oidc/provider-id.js';
export type { BackchannelLogoutRouteHandlers } from './routes/backchannel-logout-route.js';
export {
  AUTH_ERROR_CODES,
  PortcullisError,
  UnauthenticatedError,
  SessionExpiredError,
  ForbiddenError,
  CsrfRejectedError,
  InvalidInputError,
  BackendRejectedError,
  BackendUnavailableError,
  StepUpRequiredError,
  MfaRequiredError,
  InvalidMfaError,
  MfaExpiredError,
  InvalidCredentialsError,
  RateLimitedError,
  ApprovalRefusedError,
  InvalidAccountLinkError,
  WeakPasswordError,
  SignupClosedError,
  InvalidOptionError,
  isPortcullisError,
} from './errors.js';
export type { AuthErrorCode } from './errors.js';
export type { ServerSession } from './guards/server-session.js';
export { backendRefusal } from './backend/backend-refusal.js';
export type { BackendResponse } from './backend/backend-refusal.js';
export type { ApprovalDecided, ApprovalDecision } from './backend/user-service-client.js';
export { APPROVAL_REFUSAL_MESSAGES } from './approvals/approval-refusals.js';
export type { ApprovalRefusalReason } from './approvals/approval-refusals.js';
export type { Approvals, ApproverSignedIn, ApprovalRequestSummary } from './approvals/approvals.js';
export type { StepUp } from './step-up/step-up.js';
export type { AccountFlows } from './accounts/account-flows.js';
export type { MyAccount } from './accounts/my-account.js';
export type { FactorEnrolment, FactorManagement, TotpEnrollment, PasskeyRegistrationOptions } from './accounts/mfa-factors.js';
export type { MfaEnrolment } from './accounts/mfa-enrolment.js';
export type { AdminMfa } from './accounts/admin-mfa.js';
export type { StepUpProof } from './step-up/step-up.js';
export type { GuardOptions, Requirement } from './guards/guards.js';
export type { WebAuthnPurpose } from './routes/webauthn-options-route.js';
export type { ActionResult, ActionContext, ProtectedAction } from './guards/protected-action.js';
export type { PortcullisSession } from './nextauth/callbacks.js';
export type { SessionToken } from './tokens/session-token.js';
export { createJsonLogger, debugEnabled } from './logging/logger.js';
export { appAuthOptions, lazyAuth } from './app/app-auth.js';
export { changeAtBackend, readFromBackend } from './app/backend-data.js';
export { lazyAuthRoute } from './app/lazy-auth-route.js';
export { lazyBffRoute } from './app/lazy-bff-route.js';
export type { Logger, LogFields, LogLevel } from './logging/logger.js';
export { safeCallbackPath } from './http/callback-url.js';
export { parseSignInError, signInErrorMessage } from './nextauth/sign-in-errors.js';
export type { SignInProblem, SignInErrorCode } from './nextauth/sign-in-errors.js';
export { REQUEST_ID_HEADER, acceptRequestId, wellFormedRequestId } from './http/request-id.js';
export { runInRequestScope, runInScopeOf, scopedRequestId } from './logging/request-scope.js';
export { createAuthMetrics, processMetrics, BACKEND_OPERATIONS } from './metrics/auth-metrics.js';
export type { AuthMetrics, AuthEvent, RefreshFlight, BackendOperation, BackendOutcome, BackendFailure } from './metrics/auth-metrics.js';
export { observeHttpServer, routeLabel } from './metrics/http-server-metrics.js';
export type { MetricsRouteHandlers } from './routes/metrics-route.js';
