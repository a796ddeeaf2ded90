/**
 * IAM policy statements of the add-ons that call AWS (pure data, as IAM JSON): the platform stack turns them into
 * role policies, the tests read them. Resources are narrowed to this account and region wherever the service
 * supports it; where it does not (Describe/List calls), the statement says so.
 */

/** An IAM policy statement in IAM's JSON shape. */
export interface PolicyStatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;
}

export interface AddonPolicyScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** The tag the load balancer controller puts on everything it creates (`elbv2.k8s.aws/cluster`). */
const CLUSTER_TAG = 'elbv2.k8s.aws/cluster';

/**
 * AWS Load Balancer Controller, reduced to Services of type LoadBalancer (NLBs): the upstream policy minus ACM,
 * Cognito, WAF and Shield (Ingress/ALB features this platform does not use). The controller tags what it
 * creates with `elbv2.k8s.aws/cluster`, and may only modify or delete resources carrying that tag.
 */
export function loadBalancerControllerStatements(scope: AddonPolicyScope): PolicyStatementJson[] {
  const { partition, region, account } = scope;
  const elb = `arn:${partition}:elasticloadbalancing:${region}:${account}`;
  const securityGroups = `arn:${partition}:ec2:${region}:${account}:security-group/*`;
  const loadBalancerResources = [
    `${elb}:targetgroup/*/*`,
    `${elb}:loadbalancer/net/*/*`,
    `${elb}:loadbalancer/app/*/*`,
  ];
  const listenerResources = [
    `${elb}:listener/net/*/*/*`,
    `${elb}:listener/app/*/*/*`,
    `${elb}:listener-rule/net/*/*/*`,
    `${elb}:listener-rule/app/*/*/*`,
  ];
  const ownedByController = { Null: { [`aws:ResourceTag/${CLUSTER_TAG}`]: 'false' } };
  return [
    {
      Sid: 'ServiceLinkedRole',
      Effect: 'Allow',
      Action: ['iam:CreateServiceLinkedRole'],
      Resource: '*',
      Condition: { StringEquals: { 'iam:AWSServiceName': 'elasticloadbalancing.amazonaws.com' } },
    },
    {
      Sid: 'DescribeNetworkAndLoadBalancers',
      Effect: 'Allow',
      // Describe calls support no resource-level permissions.
      Action: [
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeAddresses',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeVpcs',
        'ec2:DescribeVpcPeeringConnections',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeInstances',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeTags',
        'ec2:DescribeRouteTables',
        'ec2:GetSecurityGroupsForVpc',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeLoadBalancerAttributes',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeListenerAttributes',
        'elasticloadbalancing:DescribeListenerCertificates',
        'elasticloadbalancing:DescribeSSLPolicies',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTrustStores',
        'elasticloadbalancing:DescribeCapacityReservation',
      ],
      Resource: '*',
    },
    {
      Sid: 'CreateSecurityGroups',
      Effect: 'Allow',
      Action: ['ec2:CreateSecurityGroup'],
      Resource: '*',
    },
    {
      Sid: 'TagNewSecurityGroups',
      Effect: 'Allow',
      Action: ['ec2:CreateTags'],
      Resource: securityGroups,
      Condition: {
        StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' },
        Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'false' },
      },
    },
    {
      Sid: 'RetagOwnedSecurityGroups',
      Effect: 'Allow',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: securityGroups,
      Condition: { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'true', [`aws:ResourceTag/${CLUSTER_TAG}`]: 'false' } },
    },
    {
      Sid: 'ManageSecurityGroupRules',
      Effect: 'Allow',
      // Rules on the node security groups (which the controller does not own) let the NLB reach the pods.
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: securityGroups,
    },
    {
      Sid: 'DeleteOwnedSecurityGroups',
      Effect: 'Allow',
      Action: ['ec2:DeleteSecurityGroup'],
      Resource: securityGroups,
      Condition: ownedByController,
    },
    {
      Sid: 'CreateTaggedLoadBalancers',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
      Resource: '*',
      Condition: { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'false' } },
    },
    {
      Sid: 'ManageListeners',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:CreateListener',
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:CreateRule',
        'elasticloadbalancing:DeleteRule',
        'elasticloadbalancing:ModifyListener',
      ],
      Resource: [...loadBalancerResources, ...listenerResources],
    },
    {
      Sid: 'RetagOwnedLoadBalancers',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      Resource: loadBalancerResources,
      Condition: { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'true', [`aws:ResourceTag/${CLUSTER_TAG}`]: 'false' } },
    },
    {
      Sid: 'TagListeners',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      Resource: listenerResources,
    },
    {
      Sid: 'TagOnCreate',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:AddTags'],
      Resource: loadBalancerResources,
      Condition: {
        StringEquals: { 'elasticloadbalancing:CreateAction': ['CreateTargetGroup', 'CreateLoadBalancer'] },
        Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: 'false' },
      },
    },
    {
      Sid: 'ModifyOwnedLoadBalancers',
      Effect: 'Allow',
      Action: [
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:ModifyCapacityReservation',
      ],
      Resource: loadBalancerResources,
      Condition: ownedByController,
    },
    {
      Sid: 'RegisterTargets',
      Effect: 'Allow',
      Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
      Resource: `${elb}:targetgroup/*/*`,
    },
  ];
}

/** ExternalDNS: records in the one private zone; listing zones has no resource-level permission. */
export function externalDnsStatements(
  scope: AddonPolicyScope & { readonly hostedZoneArn: string },
): PolicyStatementJson[] {
  return [
    {
      Sid: 'ChangeRecordsInTheInternalZone',
      Effect: 'Allow',
      Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets', 'route53:ListTagsForResource'],
      Resource: scope.hostedZoneArn,
    },
    {
      Sid: 'FindZones',
      Effect: 'Allow',
      Action: ['route53:ListHostedZones', 'route53:ListTagsForResources'],
      Resource: '*',
    },
  ];
}

/** External Secrets Operator: read the environment's secrets (`greenlang-<env>/...`), nothing else. */
export function externalSecretsStatements(scope: AddonPolicyScope & { readonly env: string }): PolicyStatementJson[] {
  const { partition, region, account, env } = scope;
  return [
    {
      Sid: 'ReadEnvironmentSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
      // Secrets Manager appends a random 6-character suffix to every secret ARN.
      Resource: `arn:${partition}:secretsmanager:${region}:${account}:secret:greenlang-${env}/*`,
    },
  ];
}

/**
 * Cluster Autoscaler (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md, "IAM Policy"): read
 * the Auto Scaling groups, instance types and node groups; change the size only of groups tagged as this
 * cluster's (`k8s.io/cluster-autoscaler/<cluster>`, which EKS puts on every managed node group's ASG).
 */
export function clusterAutoscalerStatements(
  scope: AddonPolicyScope & { readonly clusterName: string },
): PolicyStatementJson[] {
  const { partition, region, account, clusterName } = scope;
  return [
    {
      Sid: 'DescribeGroupsAndInstanceTypes',
      Effect: 'Allow',
      // Describe calls support no resource-level permissions.
      Action: [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities',
        'autoscaling:DescribeTags',
        'ec2:DescribeImages',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:GetInstanceTypesFromInstanceRequirements',
      ],
      Resource: '*',
    },
    {
      Sid: 'DescribeThisClustersNodeGroups',
      Effect: 'Allow',
      Action: ['eks:DescribeNodegroup'],
      Resource: `arn:${partition}:eks:${region}:${account}:nodegroup/${clusterName}/*`,
    },
    {
      Sid: 'ResizeThisClustersGroups',
      Effect: 'Allow',
      Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      Resource: `arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/*`,
      Condition: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
    },
  ];
}
