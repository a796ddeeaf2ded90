import { Validations } from 'aws-cdk-lib';
import type * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { IrsaRole } from './irsa-role';

export interface GrafanaCloudWatchRoleProps {
  readonly cluster: eks.Cluster;
  readonly namespace: string;
  /** Grafana's service account (annotated with this role by lib/k8s/grafana.ts). */
  readonly serviceAccount: string;
  /** `irsaRoleName(env, GRAFANA_ROLE_IDENTITY)`. */
  readonly roleName: string;
}

/** CloudWatch read actions Grafana's CloudWatch data source calls for metric queries. */
export const GRAFANA_CLOUDWATCH_ACTIONS = [
  'cloudwatch:GetMetricData',
  'cloudwatch:GetMetricStatistics',
  'cloudwatch:ListMetrics',
] as const;

/** The IRSA role of Grafana's pods: read CloudWatch metrics (the Thanos bucket's size per storage class), nothing else. */
export class GrafanaCloudWatchRole extends Construct {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: GrafanaCloudWatchRoleProps) {
    super(scope, id);
    this.role = new IrsaRole(this, 'Irsa', {
      cluster: props.cluster,
      namespace: props.namespace,
      serviceAccount: props.serviceAccount,
      roleName: props.roleName,
      description: `Grafana (IRSA ${props.namespace}/${props.serviceAccount}): read CloudWatch metrics`,
    }).role;
    this.role.addToPolicy(new iam.PolicyStatement({ actions: [...GRAFANA_CLOUDWATCH_ACTIONS], resources: ['*'] }));
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch GetMetricData, GetMetricStatistics and ListMetrics support no resource-level permissions (Service Authorization Reference): read-only metric access.',
    });
  }
}
