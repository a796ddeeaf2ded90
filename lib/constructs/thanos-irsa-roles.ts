import { Stack, Token, Validations } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { EnvironmentName } from '../config';
import { irsaRoleName, SERVICE_ACCOUNTS, type ThanosIdentity } from '../naming';
import { THANOS_IDENTITIES, thanosBucketAccess } from '../platform/thanos-access';
import { IrsaRole } from './irsa-role';

export interface ThanosIrsaRolesProps {
  readonly env: EnvironmentName;
  readonly cluster: eks.Cluster;
  /**
   * The Thanos bucket's name (`thanosBucketName(config)`): a fixed name, so the policies name the bucket without a
   * cross-stack reference.
   */
  readonly bucketName: string;
  readonly key: kms.IKey;
  /** @default 'monitoring' */
  readonly namespace?: string;
}

/**
 * One IRSA role per Thanos identity (`SERVICE_ACCOUNTS`), named `irsaRoleName(env, <service account>)`, with
 * exactly the bucket and key access of `THANOS_BUCKET_ACCESS`. KMS use is limited to calls made through S3.
 */
export class ThanosIrsaRoles extends Construct {
  public readonly roles: Readonly<Record<ThanosIdentity, iam.Role>>;

  constructor(scope: Construct, id: string, props: ThanosIrsaRolesProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'monitoring';
    const region = Stack.of(this).region;
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(props.bucketName)) {
      throw new Error(`ThanosIrsaRoles ${id}: "${props.bucketName}" is not an S3 bucket name`);
    }
    const partition = Stack.of(this).partition;
    const bucketArn = `arn:${partition}:s3:::${props.bucketName}`;
    // How cdk-nag prints the ARN: a literal partition when the region is known, else the pseudo parameter.
    const bucketArnInFinding = `arn:${Token.isUnresolved(partition) ? '<AWS::Partition>' : partition}:s3:::${props.bucketName}`;
    const roles: Partial<Record<ThanosIdentity, iam.Role>> = {};
    for (const identity of THANOS_IDENTITIES) {
      const serviceAccount = SERVICE_ACCOUNTS[identity];
      const access = thanosBucketAccess(identity);
      const { role } = new IrsaRole(this, identity, {
        cluster: props.cluster,
        namespace,
        serviceAccount,
        roleName: irsaRoleName(props.env, serviceAccount),
        description: `Thanos ${serviceAccount} (IRSA ${namespace}/${serviceAccount}): ${access.objectActions.join(', ')} on the Thanos bucket`,
      });
      const policy = new iam.Policy(this, `${identity}Policy`, {
        statements: [
          new iam.PolicyStatement({
            sid: 'ListBucket',
            actions: [...access.bucketActions],
            resources: [bucketArn],
          }),
          new iam.PolicyStatement({
            sid: 'Blocks',
            actions: [...access.objectActions],
            resources: [`${bucketArn}/*`],
          }),
          new iam.PolicyStatement({
            sid: 'BucketKey',
            actions: [...access.keyActions],
            resources: [props.key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
          }),
        ],
      });
      policy.attachToRole(role);
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArnInFinding}/*]`,
        reason: `Thanos block objects have generated ULID keys: ${serviceAccount} needs its object actions on every key of the Thanos bucket, and only there.`,
      });
      roles[identity] = role;
    }
    this.roles = roles as Record<ThanosIdentity, iam.Role>;
  }
}
