// @ts-check
/**
 * kubernetes-models and @kubernetes-models/* export only an "import" condition, which Jest's CommonJS resolver never
 * matches: resolve those packages (and their ESM-only helpers) with the "import" condition; everything else as usual.
 * Jest then transforms them to CommonJS (see transformIgnorePatterns).
 */
const IMPORT_ONLY = /^(kubernetes-models|@kubernetes-models\/[a-z-]+)(\/|$)/;

/** @type {(request: string, options: any) => string} */
module.exports = (request, options) =>
  options.defaultResolver(
    request,
    IMPORT_ONLY.test(request) ? { ...options, conditions: ['import', 'default'] } : options,
  );
