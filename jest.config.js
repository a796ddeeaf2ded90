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
  // The kubernetes-models packages export only "import" conditions too (group/version folders with an index.js).
  moduleNameMapper: {
    '^@middy/([a-z-]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
    '^@kubernetes-models/(base|validate)$': '<rootDir>/node_modules/@kubernetes-models/$1/dist/index.js',
    '^@kubernetes-models/validate/runtime/(.+)$':
      '<rootDir>/node_modules/@kubernetes-models/validate/dist/runtime/$1.js',
    '^(@kubernetes-models/[a-z-]+|kubernetes-models)/_schemas/(.+)$': '<rootDir>/node_modules/$1/_schemas/$2.js',
    '^(@kubernetes-models/[a-z-]+|kubernetes-models)/((?:[a-z0-9.-]+/)?v[0-9a-z]+)$':
      '<rootDir>/node_modules/$1/$2/index.js',
  },
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('unit'),
    project('infra', { testTimeout: 120_000 }),
    project('integration', { testTimeout: 120_000 }),
  ],
};
