// The boundaries between Portcullis's parts, checked on every `npm run lint` (`npm run lint:boundaries`);
// each rule's comment says why it exists.
//
// A workspace package is matched in two spellings: resolved through its node_modules link once it is built
// (`node_modules/@portcullis/next/dist/…`), and as the bare name before (`@portcullis/next`), since lint runs
// before the build in CI.

/** `@portcullis/<name>` as imported, built or not. */
const workspacePackage = (names) => `(^|/)(node_modules/)?@portcullis/(${names})(/|$)`;

/** Code that ships: everything in the libraries, the service and the apps but their tests and test support. */
const PRODUCTION = '^(packages|services|apps)/';
const TESTS = '(\\.test\\.tsx?$|\\.spec\\.tsx?$|/test-support/)';

/** The user-service's HTTP edge: handlers that turn a request into a call on a store and a store's answer into a reply. */
const HTTP_EDGE = '^services/user-service/src/(routes/|http/|oidc/(routes|userinfo|pages)\\.ts$)';
const STORAGE = ['^services/user-service/src/db/', '(^|/)node_modules/(drizzle-orm|pg|@electric-sql/pglite)/', '^(drizzle-orm|pg|@electric-sql/pglite)(/|$)'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'contracts-import-nothing-of-ours',
      comment: 'The wire contracts are the bottom layer: the service, the library and every app import them, so they import none of those.',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { path: ['^(apps|bench|e2e|scripts|services)/', '^packages/(?!contracts/)', workspacePackage('(?!contracts(/|$))[^/]+')] },
    },
    {
      name: 'library-imports-no-app-or-service',
      comment: 'The library is installed into apps we never see: it talks to the user-service over HTTP only, through the contracts.',
      severity: 'error',
      from: { path: '^packages/next/' },
      to: { path: ['^(apps|bench|e2e|scripts|services)/', workspacePackage('(?!contracts(/|$)|next(/|$))[^/]+')] },
    },
    {
      name: 'apps-import-no-service-code',
      comment: 'An app reaches the user-service over HTTP through the library, never by importing its code.',
      severity: 'error',
      from: { path: '^(apps/|bench/baseline-app/)' },
      to: { path: ['^services/', workspacePackage('user-service')] },
    },
    {
      name: 'service-imports-no-library-or-app-code',
      comment: 'The user-service runs on its own: it shares only the wire contracts with its clients.',
      severity: 'error',
      from: { path: '^services/' },
      to: { path: ['^(apps|packages/next|bench|e2e)/', workspacePackage('(?!contracts(/|$)|user-service(/|$))[^/]+')] },
    },
    {
      name: 'http-edge-reaches-storage-through-stores',
      comment:
        'Route handlers call stores (users/user-store.ts, sessions/session-store.ts, …) and never query the database themselves, so every rule about stored data lives in one place.',
      severity: 'error',
      from: { path: HTTP_EDGE, pathNot: TESTS },
      to: { path: STORAGE },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order matter and keeps two modules from being understood, tested or moved apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'production-imports-no-tests',
      comment: 'Test code (tests, test-support, e2e, bench) is not built or shipped: production code that imports it breaks outside the repository.',
      severity: 'error',
      from: { path: PRODUCTION, pathNot: TESTS },
      to: { path: [TESTS, '^(e2e|bench)/'] },
    },
  ],
  options: {
    // Our workspace packages are followed only to their link, not into their build output.
    doNotFollow: { path: 'node_modules' },
    // Build output is not source: a library's `dist/` is reached through its package name instead.
    exclude: { path: '^(apps/[^/]+|packages/[^/]+|services/[^/]+|bench|bench/baseline-app|e2e)/(dist|\\.next|\\.data|test-results)/' },
    // Keeps `@portcullis/x` as `node_modules/@portcullis/x/…` rather than the linked folder, so an import by
    // package name is told apart from a relative import into another workspace.
    preserveSymlinks: true,
    // `import type` is a dependency too: a type-only cycle or a type from the service in an app is still coupling.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
