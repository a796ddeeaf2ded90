/**
 * Typed environment contracts: each function declares its variables once (`lambdas/contracts/<fn>.ts`); the
 * construct renders them (`contract.render({...})`, so it sets exactly the names the handler reads) and the
 * handler parses them (`contract.read(process.env)`, failing on the first bad variable and naming it), as
 * Powertools' `getStringFromEnv` does. Pure: no I/O, importable from lib/ and from the handlers.
 */

/** One environment variable: its name and how its text becomes a value. */
export interface EnvVariable<T, Optional extends boolean = boolean> {
  readonly name: string;
  /** An optional variable may be left unset by the construct. */
  readonly optional: Optional;
  parse(raw: string | undefined): T;
}

function missing(name: string): Error {
  return new Error(`environment variable ${name} is not set`);
}

/** A non-empty string. */
export function stringVar(name: string): EnvVariable<string, false> {
  return {
    name,
    optional: false,
    parse(raw) {
      if (raw === undefined || raw === '') throw missing(name);
      return raw;
    },
  };
}

/** A string that may be unset (empty counts as unset): a feature that is on when set. */
export function optionalStringVar(name: string): EnvVariable<string | undefined, true> {
  return { name, optional: true, parse: (raw) => (raw === undefined || raw === '' ? undefined : raw) };
}

/** A positive integer; `fallback` when unset. */
export function positiveIntVar(name: string, fallback: number): EnvVariable<number, true> {
  return {
    name,
    optional: true,
    parse(raw) {
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value <= 0) {
        throw new Error(`environment variable ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
      }
      return value;
    },
  };
}

/** A positive integer the construct must set. */
export function requiredPositiveIntVar(name: string): EnvVariable<number, false> {
  const value = positiveIntVar(name, 0);
  return {
    name,
    optional: false,
    parse(raw) {
      if (raw === undefined || raw === '') throw missing(name);
      return value.parse(raw);
    },
  };
}

/** A required variable whose text a domain parser reads (JSON config); the parser's errors name the variable. */
export function parsedVar<T>(name: string, parse: (text: string) => T): EnvVariable<T, false> {
  return {
    name,
    optional: false,
    parse(raw) {
      if (raw === undefined || raw === '') throw missing(name);
      return parse(raw);
    },
  };
}

/** A variable a domain parser reads when set (JSON config), else `fallback`; a parse error names the variable. */
export function optionalParsedVar<T>(name: string, parse: (text: string) => T, fallback: T): EnvVariable<T, true> {
  return {
    name,
    optional: true,
    parse(raw) {
      if (raw === undefined || raw === '') return fallback;
      try {
        return parse(raw);
      } catch (error) {
        throw new Error(`environment variable ${name}: ${(error as Error).message}`);
      }
    },
  };
}

/**
 * A required PEM certificate (a CA the function trusts, read at deploy time): refused at load, naming the variable,
 * when it holds no certificate.
 */
export function pemCertificateVar(name: string): EnvVariable<string, false> {
  return {
    name,
    optional: false,
    parse(raw) {
      if (raw === undefined || raw === '') throw missing(name);
      return pemCertificate(name, raw);
    },
  };
}

/** A PEM certificate that may be unset (empty counts as unset). */
export function optionalPemCertificateVar(name: string): EnvVariable<string | undefined, true> {
  return {
    name,
    optional: true,
    parse: (raw) => (raw === undefined || raw === '' ? undefined : pemCertificate(name, raw)),
  };
}

function pemCertificate(name: string, raw: string): string {
  if (!raw.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`environment variable ${name} must be a PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return raw;
}

type Variables = Readonly<Record<string, EnvVariable<unknown>>>;

/** The values a handler gets: one field per variable. */
export type EnvValues<V extends Variables> = { readonly [K in keyof V]: ReturnType<V[K]['parse']> };

/** What a construct passes to `render`: the text of each variable; optional ones may be left out. */
export type EnvInput<V extends Variables> = {
  readonly [K in keyof V as V[K] extends EnvVariable<unknown, true> ? never : K]: string;
} & {
  readonly [K in keyof V as V[K] extends EnvVariable<unknown, true> ? K : never]?: string;
};

export interface EnvContract<V extends Variables> {
  readonly variables: V;
  /** Parses every variable from `env`; throws naming the first one that is missing or malformed. */
  read(env: Readonly<Record<string, string | undefined>>): EnvValues<V>;
  /** The Lambda environment for these values, keyed by variable name; unset optional ones are left out. */
  render(input: EnvInput<V>): Record<string, string>;
}

export function envContract<V extends Variables>(variables: V): EnvContract<V> {
  return {
    variables,
    read(env) {
      const values: Record<string, unknown> = {};
      for (const [field, variable] of Object.entries(variables)) values[field] = variable.parse(env[variable.name]);
      return values as EnvValues<V>;
    },
    render(input) {
      const out: Record<string, string> = {};
      const given = input as Readonly<Record<string, string | undefined>>;
      for (const [field, variable] of Object.entries(variables)) {
        const value = given[field];
        if (value !== undefined) out[variable.name] = value;
      }
      return out;
    },
  };
}

/** What the Lambda runtime sets itself (not the construct). */
export const lambdaRuntimeEnv = envContract({
  region: stringVar('AWS_REGION'),
});
