import { configVariables } from '../config.js';
import { KEYS_USAGE } from './keys.js';
import { USER_USAGE } from './user.js';

/** `portcullis-user-service --help`: the commands, then every environment variable with its default (from config.ts). */
export function helpText(version: string): string {
  const variables = configVariables().map(
    ({ name, description, defaultValue }) => `  ${name}${defaultValue === undefined ? '  (unset by default)' : `=${defaultValue}`}\n      ${description}`,
  );
  return `portcullis-user-service ${version}: sign-in, sessions, access tokens and the OpenID Provider of Portcullis.

Usage:
  portcullis-user-service                 start the service, configured by the environment below
  portcullis-user-service user …          manage users (password on stdin)
  portcullis-user-service keys …          rotate and list signing keys
  portcullis-user-service --help          this text
  portcullis-user-service --version

Users (in the repository: npm run user -- …):
${USER_USAGE.replace(/^Usage:\n/, '')}

Signing keys (in the repository: npm run keys -- …):
${KEYS_USAGE.replace(/^Usage:\n/, '')}

Environment (NAME=default):
${variables.join('\n')}
`;
}
