import { createRequire } from 'node:module';
import { helpText } from './help.js';
import { KEYS_USAGE, runKeysCommand } from './keys.js';
import { USER_USAGE, runUserCommand } from './user.js';

/** The `portcullis-user-service` command: starts the service, or runs one of its administrative commands. */
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
const [command, ...rest] = process.argv.slice(2);
const asksForHelp = rest.includes('--help') || rest.includes('-h');

switch (command) {
  case undefined:
  case 'start':
    // server.ts reads the environment and listens; it stays the service's one entry point.
    await import('../server.js');
    break;
  case 'user':
    if (asksForHelp) console.log(USER_USAGE);
    else await runUserCommand(rest);
    break;
  case 'keys':
    if (asksForHelp) console.log(KEYS_USAGE);
    else await runKeysCommand(rest);
    break;
  case '--help':
  case '-h':
  case 'help':
    process.stdout.write(helpText(version));
    break;
  case '--version':
  case '-v':
    console.log(version);
    break;
  default:
    console.error(`Unknown command "${command}".\n\n${helpText(version)}`);
    process.exitCode = 1;
}
