/**
 * `@portcullis/user-service/mailbox`: a real SMTP server on loopback that keeps what it receives, for development and for
 * tests that read the mail a user would get and follow its links.
 */
export { SmtpInbox, type ReceivedMail } from './mail/smtp-inbox.js';
