import { Stack, Token, Validations } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import type { EnvironmentName } from '../config';
import { irsaRoleName } from '../naming';
import {
  clusterAutoscalerStatements,
  externalDnsStatements,
  externalSecretsStatements,
  loadBalancerControllerStatements,
  type PolicyStatementJson,
} from '../platform/addon-policies';
import { ADDON_IRSA_SUBJECTS, type IrsaSubject } from '../platform/addons';
import { IrsaRole } from './irsa-role';

export interface PlatformAddonRolesProps {
  readonly env: EnvironmentName;
  readonly cluster: eks.Cluster;
  /** The cluster's name as a literal (policy resources and tag conditions name it). */
  readonly clusterName: string;
  /** The private zone ExternalDNS writes to. */
  readonly internalZone: route53.IHostedZone;
}

const WILDCARD_REASONS = {
  any: 'these actions have no resource-level permissions (Describe/List calls, or creation of resources whose ARN does not exist yet); creation is conditioned on the cluster tag where IAM allows it.',
  pattern:
    'the controller-created resources have generated names, so the ARN is a pattern within this account and region; modification is conditioned on the cluster tag where IAM allows it.',
} as const;

/**
 * IRSA roles of the add-ons that call AWS: the load balancer controller (NLBs it tags and owns), ExternalDNS
 * (records of the one private zone), External Secrets Operator (`greenlang-<env>/*` secrets, read-only) and the
 * Cluster Autoscaler (sizes of this cluster's node group ASGs).
 */
export class PlatformAddonRoles extends Construct {
  public readonly loadBalancerController: iam.Role;
  public readonly externalDns: iam.Role;
  public readonly externalSecrets: iam.Role;
  public readonly clusterAutoscaler: iam.Role;

  constructor(scope: Construct, id: string, props: PlatformAddonRolesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const scopeOfPolicy = { partition: stack.partition, region: stack.region, account: stack.account };

    this.loadBalancerController = this.role(
      'LoadBalancerController',
      props,
      ADDON_IRSA_SUBJECTS.awsLoadBalancerController,
      loadBalancerControllerStatements(scopeOfPolicy),
    );
    this.externalDns = this.role(
      'ExternalDns',
      props,
      ADDON_IRSA_SUBJECTS.externalDns,
      externalDnsStatements({ ...scopeOfPolicy, hostedZoneArn: props.internalZone.hostedZoneArn }),
    );
    this.externalSecrets = this.role(
      'ExternalSecrets',
      props,
      ADDON_IRSA_SUBJECTS.externalSecrets,
      externalSecretsStatements({ ...scopeOfPolicy, env: props.env }),
    );
    this.clusterAutoscaler = this.role(
      'ClusterAutoscaler',
      props,
      ADDON_IRSA_SUBJECTS.clusterAutoscaler,
      clusterAutoscalerStatements({ ...scopeOfPolicy, clusterName: props.clusterName }),
    );
  }

  private role(id: string, props: PlatformAddonRolesProps, subject: IrsaSubject, statements: PolicyStatementJson[]) {
    const { role } = new IrsaRole(this, id, {
      cluster: props.cluster,
      namespace: subject.namespace,
      serviceAccount: subject.serviceAccount,
      roleName: irsaRoleName(props.env, subject.roleIdentity),
      description: `${subject.roleIdentity} (IRSA ${subject.namespace}/${subject.serviceAccount})`,
    });
    const policy = new iam.Policy(this, `${id}Policy`, {
      statements: statements.map((s) => iam.PolicyStatement.fromJson(s)),
    });
    policy.attachToRole(role);
    // Each wildcard resource is acknowledged by its exact finding id, with the reason its statement carries.
    const wildcards = new Map<string, string[]>();
    for (const statement of statements) {
      for (const resource of typeof statement.Resource === 'string' ? [statement.Resource] : statement.Resource) {
        if (!resource.includes('*') || Token.isUnresolved(resource)) continue;
        wildcards.set(resource, [...(wildcards.get(resource) ?? []), statement.Sid]);
      }
    }
    for (const [resource, sids] of wildcards) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason: `${subject.roleIdentity} (${sids.join(', ')}): ${WILDCARD_REASONS[resource === '*' ? 'any' : 'pattern']}`,
      });
    }
    return role;
  }
}
