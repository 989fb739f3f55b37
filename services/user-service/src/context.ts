import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { AccountTokens } from './accounts/account-tokens.js';
import { AlertMonitor } from './alerts/alert-monitor.js';
import { ApprovalStore } from './approvals/approval-store.js';
import { AuditLog } from './audit/audit-log.js';
import { openDatabase, type Database } from './db/database.js';
import type { Logger } from './logger.js';
import { createMailDelivery, type MailDelivery } from './mail/mail-delivery.js';
import type { PasskeyCeremonies } from './mfa/passkey-ceremonies.js';
import { PendingSignIns } from './mfa/pending-sign-ins.js';
import { WebAuthnPasskeys } from './mfa/webauthn-passkeys.js';
import { createMetrics, type Metrics } from './metrics.js';
import { MailOutbox } from './mail/outbox.js';
import { MailTemplates } from './mail/templates.js';
import { createPasswordHasher, type PasswordHasher } from './passwords/password-hasher.js';
import { createPasswordPolicy, type PasswordPolicy } from './passwords/password-policy.js';
import { SessionRevocation } from './sessions/revocation.js';
import { SessionStore } from './sessions/session-store.js';
import { SessionValidity } from './sessions/session-validity.js';
import { createDenialReportLimiter, type DenialReportLimiter } from './throttle/denial-report-limiter.js';
import { createThrottles, type Throttles } from './throttle/throttles.js';
import { createAccessTokens, type AccessTokens } from './tokens/access-token.js';
import { configuredKeyStore, databaseKeyStore, ensureSigningKey, type SigningKeyStore } from './tokens/signing-keys.js';
import { UserStore } from './users/user-store.js';

/** Everything the HTTP layer needs, built once from the configuration. */
export interface ServiceContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly database: Database;
  readonly keys: SigningKeyStore;
  readonly accessTokens: AccessTokens;
  readonly passwords: PasswordHasher;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly validity: SessionValidity;
  /** Revoke, forget the cached validity, audit: how every session ends early. */
  readonly revocation: SessionRevocation;
  readonly audit: AuditLog;
  readonly approvals: ApprovalStore;
  readonly alerts: AlertMonitor;
  readonly throttles: Throttles;
  readonly denialReports: DenialReportLimiter;
  readonly metrics: Metrics;
  /** The mail outbox and its sender: queue mail in the transaction of its change, then `mail.sender.kick()`. */
  readonly mail: MailDelivery;
  readonly mailTemplates: MailTemplates;
  /** The one-time secrets sent by mail (reset, verification, invitation, email change). */
  readonly accountTokens: AccountTokens;
  readonly passwordPolicy: PasswordPolicy;
  /** Sign-ins between the password and the second factor (the `mfaToken`). */
  readonly pendingSignIns: PendingSignIns;
  /** Passkey (WebAuthn) ceremonies for second factors, step-up and passwordless sign-in. */
  readonly passkeys: PasskeyCeremonies;
  close(): Promise<void>;
}

export async function createServiceContext(config: Config, options: { clock: Clock; logger: Logger }): Promise<ServiceContext> {
  const { clock, logger } = options;
  const database = await openDatabase(config.database, {
    onBackgroundError: (error) => logger.warn({ err: error }, 'database connection lost; it will reconnect on demand'),
  });
  try {
    let keys: SigningKeyStore;
    if (config.signingKey !== undefined) {
      keys = await configuredKeyStore(config.signingKey);
    } else {
      await ensureSigningKey(database.db, config.signingAlg, clock);
      keys = databaseKeyStore(database.db, clock);
    }
    const mailOutbox = new MailOutbox(database.db, clock);
    const metrics = createMetrics({ mailBacklog: () => mailOutbox.backlog() });
    const sessions = new SessionStore(database.db, clock, {
      idleSeconds: config.refreshIdleTtlSeconds,
      absoluteSeconds: config.refreshAbsoluteTtlSeconds,
      reuseGraceSeconds: config.refreshReuseGraceSeconds,
    });
    const throttles = createThrottles(config, logger);
    const denialReports = createDenialReportLimiter({ perMinute: config.denialReportsPerMinute, redisUrl: config.redisUrl });
    const passwords = await createPasswordHasher(config.passwordHashing);
    const alerts = new AlertMonitor(database.db, clock, logger, metrics, { ...config.alerts, mfaFailuresPerAccount: config.mfa.alertFailuresPerAccount });
    const validity = new SessionValidity(sessions, clock);
    const audit = new AuditLog(database.db, clock, logger, metrics);
    const mail = createMailDelivery(config, { outbox: mailOutbox, clock, logger, audit, metrics });
    return {
      config,
      clock,
      logger,
      database,
      keys,
      accessTokens: createAccessTokens({ keys, issuer: config.issuer, audience: config.audience, ttlSeconds: config.accessTokenTtlSeconds, clock }),
      passwords,
      users: new UserStore(database.db, clock),
      sessions,
      validity,
      revocation: new SessionRevocation(sessions, validity, audit),
      audit,
      // The approver's ticket lives as long as the approval it leads to.
      approvals: new ApprovalStore(database.db, clock, { approvalTtlSeconds: config.approvalTtlSeconds, ticketTtlSeconds: config.approvalTtlSeconds }),
      alerts,
      throttles,
      denialReports,
      metrics,
      mail,
      mailTemplates: new MailTemplates(config.mail),
      accountTokens: new AccountTokens(database.db, clock),
      passwordPolicy: createPasswordPolicy(config, { logger, metrics }),
      pendingSignIns: new PendingSignIns(database.db, clock, config.mfa.tokenTtlSeconds),
      passkeys: new WebAuthnPasskeys(database.db, clock, config, audit),
      async close() {
        alerts.stop();
        await mail.close();
        await throttles.close();
        await denialReports.close();
        await passwords.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
