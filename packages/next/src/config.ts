// The entry `next.config.ts` and an app's `lib/env.ts` import: apart from the main entry so loading the config
// pulls in nothing of next-auth.
export { portcullisNextConfig } from './config/next-config.js';
export type { PortcullisNextConfigOptions } from './config/next-config.js';
export { appEnv, appEnvFields, invalidEnvironment, parseAppEnv, parseEnvironment, portField } from './config/app-env.js';
export type { AppEnv } from './config/app-env.js';
