// The public entry point of @portcullis/user-service, for running the HTTP API inside a program of your own (tests,
// tools, a custom server): build the context from a parsed configuration, build the app from the context, listen.
// server.ts is that program for the `portcullis-user-service` command. Anything not exported here is internal.
export { buildApp, type BuildAppOptions } from './app.js';
export { createServiceContext, type ServiceContext } from './context.js';
export { systemClock, type Clock } from './clock.js';
export { createLogger, type Logger } from './logger.js';
export { loadConfig, ConfigError, type Config } from './config.js';
// The service's background job beside the app (server.ts starts it): whoever runs the app themselves runs it too.
export { SessionPruner, DEFAULT_PRUNE_OPTIONS, type PruneOptions, type PruneResult } from './sessions/session-pruner.js';
// The service's argon2id hashing (its parameters, threads and lanes): for tools that set passwords outside the HTTP
// API, as the user command does, and for the sign-in ceiling benchmark, which must hash exactly as the service does.
export { createPasswordHasher, type PasswordHasher } from './passwords/password-hasher.js';
