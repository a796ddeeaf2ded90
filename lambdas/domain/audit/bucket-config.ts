/**
 * The Thanos bucket's own configuration, as the audit sees it (S3 shapes reduced to what the checks need), and
 * the checks over it. Pure: no I/O, no AWS SDK.
 */
import { longestRetentionDays, type RetentionPolicy, UNREADABLE_STORAGE_CLASSES } from '../retention';
import type { AuditFinding, SkippedCheck } from './findings';
import { prefixCanMatchBlocks } from './ulid';

/** A configuration read: present, absent (S3 says none is set), or unavailable (could not be read). */
export type ConfigProbe<T> =
  | { readonly state: 'present'; readonly value: T }
  | { readonly state: 'absent' }
  | { readonly state: 'unavailable'; readonly reason: string };

export interface LifecycleRuleConfig {
  readonly id?: string;
  readonly enabled: boolean;
  /** The rule's prefix filter ('' for the whole bucket). */
  readonly prefix: string;
  /** A tag filter: Thanos never tags objects, so such a rule never applies to blocks. */
  readonly hasTagFilter: boolean;
  readonly expirationDays?: number;
  /** ISO date of a date-based expiration. */
  readonly expirationDate?: string;
  readonly transitions: readonly { readonly days?: number; readonly date?: string; readonly storageClass: string }[];
  readonly abortIncompleteMultipartUploadDays?: number;
}

export interface EncryptionRuleConfig {
  /** `AES256`, `aws:kms` or `aws:kms:dsse`. */
  readonly algorithm: string;
  readonly kmsKeyId?: string;
  readonly bucketKeyEnabled?: boolean;
}

export interface PublicAccessBlockConfig {
  readonly blockPublicAcls: boolean;
  readonly ignorePublicAcls: boolean;
  readonly blockPublicPolicy: boolean;
  readonly restrictPublicBuckets: boolean;
}

export interface BucketConfiguration {
  readonly lifecycle: ConfigProbe<readonly LifecycleRuleConfig[]>;
  readonly encryption: ConfigProbe<readonly EncryptionRuleConfig[]>;
  readonly publicAccessBlock: ConfigProbe<PublicAccessBlockConfig>;
}

const KMS_ALGORITHMS = ['aws:kms', 'aws:kms:dsse'];

/** An enabled rule whose filter can select block objects. */
export function ruleAppliesToBlocks(rule: LifecycleRuleConfig): boolean {
  return rule.enabled && !rule.hasTagFilter && prefixCanMatchBlocks(rule.prefix);
}

const ruleName = (rule: LifecycleRuleConfig, index: number) => rule.id ?? `rule #${index + 1}`;

/** Checks of the bucket configuration; also returns the checks that could not run. */
export function checkBucketConfiguration(
  config: BucketConfiguration,
  policy: RetentionPolicy,
): { findings: AuditFinding[]; skipped: SkippedCheck[] } {
  const findings: AuditFinding[] = [];
  const skipped: SkippedCheck[] = [];
  const longest = longestRetentionDays(policy);

  if (config.lifecycle.state === 'unavailable') {
    skipped.push({ check: 'lifecycle', reason: config.lifecycle.reason });
  } else {
    const rules = config.lifecycle.state === 'present' ? config.lifecycle.value : [];
    rules.forEach((rule, i) => {
      if (!ruleAppliesToBlocks(rule)) return;
      const name = ruleName(rule, i);
      if (rule.expirationDays !== undefined && rule.expirationDays < longest) {
        findings.push({
          code: 'LIFECYCLE_EXPIRES_LIVE_DATA',
          severity: 'critical',
          message: `Lifecycle rule "${name}" expires objects after ${rule.expirationDays} days, before the longest retention (${longest} days): it deletes live blocks. Remove the Expiration; the compactor owns deletion.`,
          details: {
            rule: name,
            prefix: rule.prefix,
            expirationDays: rule.expirationDays,
            longestRetentionDays: longest,
          },
        });
      }
      if (rule.expirationDate !== undefined) {
        findings.push({
          code: 'LIFECYCLE_EXPIRES_LIVE_DATA',
          severity: 'critical',
          message: `Lifecycle rule "${name}" expires every matching object on ${rule.expirationDate}, whatever its age: it deletes live blocks. Remove the Expiration; the compactor owns deletion.`,
          details: { rule: name, prefix: rule.prefix, expirationDate: rule.expirationDate },
        });
      }
      for (const transition of rule.transitions) {
        if (!(UNREADABLE_STORAGE_CLASSES as readonly string[]).includes(transition.storageClass)) continue;
        findings.push({
          code: 'LIFECYCLE_UNREADABLE_STORAGE_CLASS',
          severity: 'critical',
          message: `Lifecycle rule "${name}" moves blocks to ${transition.storageClass}, which needs a restore before any read: the store gateway fails on them. Use GLACIER_IR instead.`,
          details: {
            rule: name,
            prefix: rule.prefix,
            storageClass: transition.storageClass,
            ...(transition.days !== undefined ? { afterDays: transition.days } : { date: transition.date }),
          },
        });
      }
    });
    const aborts = rules.some(
      (rule) => rule.enabled && rule.prefix === '' && rule.abortIncompleteMultipartUploadDays !== undefined,
    );
    if (!aborts) {
      findings.push({
        code: 'MULTIPART_ABORT_MISSING',
        severity: 'warning',
        message: `No lifecycle rule aborts incomplete multipart uploads for the whole bucket: interrupted Thanos uploads leave invisible, billed parts. Add AbortIncompleteMultipartUpload after ${policy.abortIncompleteMultipartUploadDays} days.`,
        details: {
          lifecycleConfigured: config.lifecycle.state === 'present',
          expectedDays: policy.abortIncompleteMultipartUploadDays,
        },
      });
    }
  }

  if (config.encryption.state === 'unavailable') {
    skipped.push({ check: 'encryption', reason: config.encryption.reason });
  } else {
    const rules = config.encryption.state === 'present' ? config.encryption.value : [];
    if (!rules.some((rule) => KMS_ALGORITHMS.includes(rule.algorithm))) {
      findings.push({
        code: 'BUCKET_NOT_KMS_ENCRYPTED',
        severity: 'critical',
        message:
          'The bucket does not encrypt new objects with SSE-KMS by default. Set default encryption to aws:kms with the Thanos key (and the objstore sse_config).',
        details: { algorithms: rules.map((r) => r.algorithm) },
      });
    }
  }

  if (config.publicAccessBlock.state === 'unavailable') {
    skipped.push({ check: 'publicAccessBlock', reason: config.publicAccessBlock.reason });
  } else {
    const block = config.publicAccessBlock.state === 'present' ? config.publicAccessBlock.value : undefined;
    const off = block
      ? (Object.entries(block) as [keyof PublicAccessBlockConfig, boolean][]).filter(([, on]) => !on).map(([k]) => k)
      : ['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'];
    if (off.length > 0) {
      findings.push({
        code: 'PUBLIC_ACCESS_NOT_BLOCKED',
        severity: 'critical',
        message: `Public access is not fully blocked on the bucket (${off.join(', ')} off${block ? '' : ': no public access block configured'}). Turn all four settings on.`,
        details: { settingsOff: off, configured: block !== undefined },
      });
    }
  }
  return { findings, skipped };
}
