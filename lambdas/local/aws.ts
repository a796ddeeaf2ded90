/**
 * How `npm run local` services reach AWS APIs: a local stand-in when an endpoint is given (a flag, or the SDK's own
 * `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`), real AWS otherwise. One place, so every service uses the same
 * dummy credentials against the same stand-ins (the audit and the summary read the reports bucket alike).
 */
import { UsageError } from './service';

/**
 * The credentials used against a local endpoint when none are configured. s3rver (the S3 stand-in of `npm start`
 * and the tests) accepts only its own pair, `S3RVER`/`S3RVER` (s3rver README, "Authentication"); the SNS stand-in
 * accepts any, so this one pair serves both.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export type AwsService = 'S3' | 'SNS';

/** The endpoint the SDK would use for `service`: the flag, else `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`. */
export function localEndpoint(service: AwsService, flag?: string): string | undefined {
  return flag || process.env[`AWS_ENDPOINT_URL_${service}`] || process.env.AWS_ENDPOINT_URL || undefined;
}

/** The region set in the environment, if any. */
export function configuredRegion(): string | undefined {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
}

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface AwsClientOptions {
  /** An endpoint flag (`--s3-endpoint`); wins over the environment. */
  readonly endpoint?: string;
  /** A region flag or one read from an ARN; wins over the environment. */
  readonly region?: string;
  /** The flag a user sets to point this at a stand-in, for the message when neither an endpoint nor a region is set. */
  readonly endpointFlag: string;
}

/**
 * SDK client settings. Against a local endpoint: path-style S3 and {@link LOCAL_CREDENTIALS} unless credentials
 * are configured (`AWS_ACCESS_KEY_ID` or `AWS_PROFILE`). Against real AWS the region must be explicit: without it
 * the SDK would not silently pick one for a bucket that lives in the config's region.
 */
export function awsClientConfig(service: AwsService, options: AwsClientOptions): AwsClientConfig {
  const endpoint = localEndpoint(service, options.endpoint);
  const region = options.region ?? configuredRegion();
  if (endpoint === undefined) {
    if (region === undefined) {
      throw new UsageError(
        `no ${service} endpoint and no region: pass ${options.endpointFlag} URL for a local stand-in ` +
          `(npm start's is in .local/aws.env), or set AWS_REGION to the environment's region to use real AWS`,
      );
    }
    return { region, ...(service === 'S3' ? { forcePathStyle: false } : {}) };
  }
  const configured = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return {
    region: region ?? 'us-east-1',
    endpoint,
    ...(service === 'S3' ? { forcePathStyle: true } : {}),
    ...(configured ? {} : { credentials: { ...LOCAL_CREDENTIALS } }),
  };
}
