// @ts-check
/** Jest runs TypeScript through SWC (fast, no type checking: `npm run typecheck` does that). */
const swc = [
  '@swc/jest',
  {
    jsc: { target: 'es2023', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// middy (and a few other packages) ship ESM only; Jest's module system needs CommonJS.
const esmOnlyPackages = [
  '@middy',
  '@aws/lambda-invoke-store',
  '@kubernetes-models',
  'kubernetes-models',
  'is-cidr',
  'cidr-regex',
];

/** @type {(name: string, extra?: Record<string, unknown>) => import('jest').Config} */
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // middy's package.json exports only an "import" condition, which Jest's CommonJS resolver never matches.
  moduleNameMapper: { '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js' },
  // Same for kubernetes-models (schema validation in the k8s tests).
  resolver: '<rootDir>/test/support/jest-resolver.js',
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  // A global option (Jest ignores it per project): synth and real binaries take seconds, not milliseconds.
  testTimeout: 120_000,
  // Every temp file of the run (tests, the CDK's cdk.out* folders, binaries) goes to one folder, removed at the end.
  globalSetup: '<rootDir>/test/support/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.js',
  projects: [project('unit'), project('infra'), project('integration')],
};
