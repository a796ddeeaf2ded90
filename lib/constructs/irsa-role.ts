import { CfnJson } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface IrsaRoleProps {
  /** The cluster whose OIDC provider issues the service account tokens. */
  readonly cluster: eks.Cluster;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** A fixed role name, so the ServiceAccount annotation is known before deploy (`irsaRoleName`). */
  readonly roleName: string;
  readonly description: string;
}

/**
 * An IAM role one Kubernetes service account assumes through the cluster's OIDC provider (IRSA): trusted only for
 * `system:serviceaccount:<namespace>:<serviceAccount>` with audience `sts.amazonaws.com`. The service account
 * itself is created by its chart or manifest, annotated with this role's ARN.
 */
export class IrsaRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: IrsaRoleProps) {
    super(scope, id);
    for (const [field, value] of Object.entries({ namespace: props.namespace, serviceAccount: props.serviceAccount })) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
        throw new Error(`IrsaRole ${id}: ${field} "${value}" is not a Kubernetes name (lowercase RFC 1123 label)`);
      }
    }
    if (props.roleName.length > 64) {
      throw new Error(`IrsaRole ${id}: role name "${props.roleName}" is longer than IAM's 64 characters`);
    }
    // The condition keys contain the issuer, known only at deploy time: CfnJson resolves them in CloudFormation.
    const issuer = props.cluster.clusterOpenIdConnectIssuer;
    const conditions = new CfnJson(this, 'TrustConditions', {
      value: {
        [`${issuer}:sub`]: `system:serviceaccount:${props.namespace}:${props.serviceAccount}`,
        [`${issuer}:aud`]: 'sts.amazonaws.com',
      },
    });
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: props.description,
      assumedBy: new iam.OpenIdConnectPrincipal(props.cluster.openIdConnectProvider, { StringEquals: conditions }),
    });
  }
}
