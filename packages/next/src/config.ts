// The entry `next.config.ts` imports: apart from the main entry so loading the config pulls in nothing of next-auth.
export { portcullisNextConfig } from './config/next-config.js';
