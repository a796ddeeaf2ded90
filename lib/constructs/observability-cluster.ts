import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { COMPACTOR_POD_LABELS } from '../naming';
import { EBS_CSI_IRSA_SUBJECT, EKS_ADDON_VERSIONS, VPC_CNI_CONFIGURATION } from '../platform/addons';
import { nodeLaunchTemplateData } from '../platform/node-launch-template';
import { ClusterAccessHost } from './cluster-access-host';
import { IrsaRole } from './irsa-role';

/** Kubernetes version and kubectl layer move together (the layer's kubectl must match the control plane). */
export const KUBERNETES_VERSION = eks.KubernetesVersion.V1_35;

export interface StatefulNodeGroupOptions {
  /** @default m6i.xlarge and m7i.xlarge (4 vCPU, 16 GiB: one Prometheus at its 8Gi limit fits with room) */
  readonly instanceTypes?: string[];
  /** Nodes per zone at rest. @default 1 (three zones: Prometheus' required anti-affinity needs two, a third survives a zone loss) */
  readonly minPerZone?: number;
  /** The autoscaler grows each zone's group up to this. @default 2 */
  readonly maxPerZone?: number;
  /** Encrypted gp3 root volume (images and logs; metrics live on EBS volumes). @default 50 GiB */
  readonly rootVolume?: Size;
}

/** Who may use the cluster and how they reach the API. */
export interface ClusterAccessOptions {
  /** IAM role ARNs given AmazonEKSClusterAdminPolicy, cluster-wide, through EKS access entries. */
  readonly adminRoleArns: readonly string[];
  /** IAM role ARNs given AmazonEKSViewPolicy (read-only, no Secrets), cluster-wide. */
  readonly readOnlyRoleArns?: readonly string[];
  /** CIDRs allowed to a public API endpoint; empty keeps the endpoint private only. @default [] */
  readonly publicEndpointCidrs?: readonly string[];
  /** Run a small instance for Session Manager port forwarding to the private endpoint. @default true */
  readonly sessionManagerHost?: boolean;
}

export interface ObservabilityClusterProps {
  readonly clusterName: string;
  readonly vpc: ec2.IVpc;
  /** Where nodes, Fargate pods and the kubectl handler run. @default the VPC's private subnets (with egress) */
  readonly subnets?: ec2.SubnetSelection;
  readonly nodeGroup?: StatefulNodeGroupOptions;
  /** Access entries and the way in. @default no access entry, Session Manager host on */
  readonly access?: ClusterAccessOptions;
  /** Namespace of the compactor pods the Fargate profile selects. @default 'monitoring' */
  readonly monitoringNamespace?: string;
  /** Role name of the EBS CSI driver's IRSA role. */
  readonly ebsCsiRoleName: string;
  /** @default RemovalPolicy.DESTROY (the cluster holds no data that is not in S3 or re-creatable) */
  readonly secretsKeyRemovalPolicy?: RemovalPolicy;
}

/**
 * EKS access policies of the two kinds of people (names from the EKS user guide, "Review access policy
 * permissions": AmazonEKSClusterAdminPolicy is cluster-admin, AmazonEKSViewPolicy views all but Secrets).
 */
export const ADMIN_ACCESS_POLICY = 'AmazonEKSClusterAdminPolicy';
export const READ_ONLY_ACCESS_POLICY = 'AmazonEKSViewPolicy';

/**
 * The EKS cluster of the monitoring stack: API endpoint private (or public to listed CIDRs only), every
 * control-plane log type, secrets envelope-encrypted with a rotating key, no default capacity but one managed node
 * group per availability zone for the stateful components (so the Cluster Autoscaler can always add a node in the
 * zone of a pod's EBS volume), each with a launch template (encrypted gp3 root volume, IMDSv2 required), the
 * VPC CNI add-on with network policy enforcement on, the EBS CSI driver (IRSA) for the volumes, a Fargate profile
 * that selects only the Thanos compactor pods, EKS access entries for people, and a Session Manager host as the
 * way in.
 */
export class ObservabilityCluster extends Construct {
  public readonly cluster: eks.Cluster;
  /** One node group per availability zone, in the VPC's zone order. */
  public readonly nodeGroups: eks.Nodegroup[];
  public readonly nodeRole: iam.Role;
  public readonly launchTemplate: ec2.CfnLaunchTemplate;
  public readonly compactorProfile: eks.FargateProfile;
  public readonly vpcCni: eks.CfnAddon;
  public readonly ebsCsiDriver: eks.CfnAddon;
  public readonly ebsCsiRole: iam.Role;
  public readonly accessHost?: ClusterAccessHost;
  private readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ObservabilityClusterProps) {
    super(scope, id);
    this.clusterName = props.clusterName;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const namespace = props.monitoringNamespace ?? 'monitoring';
    const minPerZone = props.nodeGroup?.minPerZone ?? 1;
    const maxPerZone = props.nodeGroup?.maxPerZone ?? 2;
    const zones = props.vpc.availabilityZones;
    if (minPerZone < 1) throw new Error(`nodeGroup.minPerZone must be at least 1, got ${minPerZone}`);
    if (minPerZone * zones.length < 2)
      throw new Error(
        `nodeGroup: ${minPerZone * zones.length} node(s) at rest; two Prometheus replicas never share a node, so at least 2`,
      );
    if (maxPerZone < minPerZone)
      throw new Error(`nodeGroup.maxPerZone (${maxPerZone}) must be at least minPerZone (${minPerZone})`);
    const publicCidrs = props.access?.publicEndpointCidrs ?? [];
    const sessionManagerHost = props.access?.sessionManagerHost ?? true;
    if (publicCidrs.length === 0 && !sessionManagerHost) {
      throw new Error('access: no way in (no Session Manager host and no public endpoint CIDRs)');
    }

    const secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `Envelope encryption of Kubernetes secrets in ${props.clusterName}`,
      enableKeyRotation: true,
      removalPolicy: props.secretsKeyRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.cluster = new eks.Cluster(this, 'Cluster', {
      clusterName: props.clusterName,
      version: KUBERNETES_VERSION,
      kubectlLayer: new KubectlV35Layer(this, 'KubectlLayer'),
      vpc: props.vpc,
      vpcSubnets: [subnets],
      // Private by default: the API is reachable from the VPC (nodes, the kubectl handler, the Session Manager
      // host). A public endpoint, when configured, admits only the listed CIDRs.
      endpointAccess:
        publicCidrs.length > 0
          ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...publicCidrs)
          : eks.EndpointAccess.PRIVATE,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      // Access entries (API) for people; the config map stays for CDK's own kubectl role mapping.
      authenticationMode: eks.AuthenticationMode.API_AND_CONFIG_MAP,
      secretsEncryptionKey: secretsKey,
      defaultCapacity: 0,
      // helm installs big charts (kube-prometheus-stack): more memory than the default 1 GiB speeds it up.
      kubectlMemory: Size.gibibytes(2),
    });

    this.grantPeopleAccess(props.access);
    if (publicCidrs.length > 0) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-EKS1',
        reason: `The public endpoint is configured on purpose (access.publicEndpointCidrs) and admits only ${publicCidrs.join(', ')}; the config refuses /0, and every caller still needs an EKS access entry.`,
      });
    }

    // NetworkPolicies are enforced only with enableNetworkPolicy on (off by default; EKS user guide,
    // "Configure your cluster for Kubernetes network policies"). Never on Fargate pods (the compactor).
    this.vpcCni = new eks.CfnAddon(this, 'VpcCni', {
      addonName: 'vpc-cni',
      addonVersion: EKS_ADDON_VERSIONS.vpcCni,
      clusterName: this.cluster.clusterName,
      resolveConflicts: 'OVERWRITE',
      configurationValues: JSON.stringify(VPC_CNI_CONFIGURATION),
    });

    this.nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Nodes of ${props.clusterName} (join, VPC CNI, image pulls)`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSWorkerNodePolicy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryReadOnly'),
      ],
    });
    this.launchTemplate = new ec2.CfnLaunchTemplate(this, 'NodeLaunchTemplate', { launchTemplateData: {} });
    // The pure builder speaks CloudFormation's shape (PascalCase), as the tests read it.
    this.launchTemplate.addPropertyOverride(
      'LaunchTemplateData',
      nodeLaunchTemplateData(props.nodeGroup?.rootVolume?.toGibibytes() ?? 50),
    );
    const instanceTypes = props.nodeGroup?.instanceTypes ?? ['m6i.xlarge', 'm7i.xlarge'];
    this.nodeGroups = zones.map((zone) => {
      const group = this.cluster.addNodegroupCapacity(`Stateful-${zone}`, {
        nodegroupName: `${props.clusterName}-stateful-${zone}`,
        amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
        instanceTypes: instanceTypes.map((t) => new ec2.InstanceType(t)),
        capacityType: eks.CapacityType.ON_DEMAND,
        minSize: minPerZone,
        desiredSize: minPerZone,
        maxSize: maxPerZone,
        nodeRole: this.nodeRole,
        launchTemplateSpec: { id: this.launchTemplate.ref, version: this.launchTemplate.attrLatestVersionNumber },
        subnets: { ...subnets, availabilityZones: [zone] },
        labels: { 'greenlang.io/node-role': 'stateful' },
      });
      // Nodes come up with the network policy agent already configured.
      group.node.addDependency(this.vpcCni);
      return group;
    });

    this.compactorProfile = this.cluster.addFargateProfile('Compactor', {
      fargateProfileName: `${props.clusterName}-thanos-compactor`,
      // ONLY the compactor: Fargate gives it up to 175 GiB of scratch space per run and no idle node.
      // VPC CNI network policies are not enforced on Fargate pods (EKS user guide, network policy considerations).
      selectors: [{ namespace, labels: { ...COMPACTOR_POD_LABELS } }],
      subnetSelection: subnets,
      vpc: props.vpc,
    });

    this.ebsCsiRole = new IrsaRole(this, 'EbsCsiDriverRole', {
      cluster: this.cluster,
      namespace: EBS_CSI_IRSA_SUBJECT.namespace,
      serviceAccount: EBS_CSI_IRSA_SUBJECT.serviceAccount,
      roleName: props.ebsCsiRoleName,
      description: `EBS CSI driver of ${props.clusterName} (IRSA kube-system/ebs-csi-controller-sa)`,
    }).role;
    this.ebsCsiRole.addManagedPolicy(
      iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEBSCSIDriverPolicy'),
    );
    this.ebsCsiDriver = new eks.CfnAddon(this, 'EbsCsiDriver', {
      addonName: 'aws-ebs-csi-driver',
      addonVersion: EKS_ADDON_VERSIONS.ebsCsiDriver,
      clusterName: this.cluster.clusterName,
      serviceAccountRoleArn: this.ebsCsiRole.roleArn,
      resolveConflicts: 'OVERWRITE',
    });
    // The driver's controller runs on the node groups.
    this.ebsCsiDriver.node.addDependency(...this.nodeGroups);

    if (sessionManagerHost) {
      this.accessHost = new ClusterAccessHost(this, 'AccessHost', {
        vpc: props.vpc,
        subnets,
        cluster: this.cluster,
      });
    }

    this.acknowledgeFindings();
  }

  /** EKS access entries (authentication mode API): cluster-wide admin or view for the configured roles. */
  private grantPeopleAccess(access: ClusterAccessOptions | undefined): void {
    const policy = (name: string) =>
      eks.AccessPolicy.fromAccessPolicyName(name, { accessScopeType: eks.AccessScopeType.CLUSTER });
    (access?.adminRoleArns ?? []).forEach((arn, i) => {
      this.cluster.grantAccess(`Admin${i}`, arn, [policy(ADMIN_ACCESS_POLICY)]);
    });
    (access?.readOnlyRoleArns ?? []).forEach((arn, i) => {
      this.cluster.grantAccess(`ReadOnly${i}`, arn, [policy(READ_ONLY_ACCESS_POLICY)]);
    });
  }

  /** CDK's own provider functions of aws-eks (nested stacks at the stack root), not code of this project. */
  private acknowledgeProviderFindings(): void {
    const stack = Stack.of(this);
    const clusterProvider = stack.node.tryFindChild('@aws-cdk/aws-eks.ClusterResourceProvider');
    const kubectlProvider = stack.node.tryFindChild('@aws-cdk/aws-eks.KubectlProvider');
    const lambdaLogs = {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's provider-framework functions of aws-eks: CloudWatch Logs for their own log groups.",
    };
    const invokeVersions = (logicalId: string) => ({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: "CDK's provider framework invokes its handler function by any version/alias of that one function.",
    });
    if (clusterProvider) {
      Validations.of(clusterProvider).acknowledge(
        lambdaLogs,
        invokeVersions('IsCompleteHandler7073F4DA'),
        invokeVersions('OnEventHandler42BEBAE0'),
        invokeVersions('ProviderframeworkisComplete26D7B0CB'),
        invokeVersions('ProviderframeworkonTimeout0B47CA38'),
        {
          id: 'AwsSolutions-SF1',
          reason:
            "CDK's provider-framework waiter state machine (polls cluster creation); its steps log through the functions.",
        },
        {
          id: 'AwsSolutions-SF2',
          reason: "CDK's provider-framework waiter state machine: X-Ray tracing is not configurable on it.",
        },
      );
    }
    if (kubectlProvider) {
      Validations.of(kubectlProvider).acknowledge(
        lambdaLogs,
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason: "CDK's kubectl provider framework runs in the VPC (private API endpoint): network interfaces.",
        },
        invokeVersions('Handler886CB40B'),
        {
          id: 'AwsSolutions-L1',
          reason: "CDK's kubectl handler: its runtime is fixed by aws-cdk-lib together with the kubectl layer it runs.",
        },
      );
    }
  }

  private acknowledgeFindings(): void {
    Validations.of(this.ebsCsiRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy]',
      reason:
        'AWS maintains this policy together with the EBS CSI driver versions EKS ships; it scopes volume actions to volumes tagged by the driver.',
    });
    Validations.of(this.nodeRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy]',
        reason: 'The policy EKS requires for a node to join the cluster; AWS keeps it in step with EKS.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy]',
        reason: 'The VPC CNI on every node assigns pod IPs with it; AWS keeps it in step with the CNI.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly]',
        reason: 'Nodes pull the EKS add-on images (VPC CNI, kube-proxy, EBS CSI) from ECR; read-only.',
      },
    );
    const cluster = this.cluster;
    const clusterScope = `arn:aws:eks:${Stack.of(this).region}:${Stack.of(this).account}`;
    Validations.of(cluster).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]',
        reason: 'The service role EKS requires for its control plane; AWS keeps it in step with EKS.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's kubectl handler (applies manifests and Helm charts): CloudWatch Logs for its own log group.",
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason: "CDK's kubectl handler runs in the VPC to reach the private API endpoint: it needs network interfaces.",
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly]',
        reason: "CDK's kubectl handler pulls OCI Helm charts from ECR; pull only.",
      },
      {
        id: 'AwsSolutions-IAM4[Policy::{"Fn::If":["EksClusterHasEcrPublicD3438379",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
        reason:
          "CDK's kubectl handler may pull OCI Helm charts from ECR Public (only in partitions that have it); read-only.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${clusterScope}:cluster/${this.clusterName}/*]`,
        reason: "CDK's cluster creation role manages the sub-resources (updates, add-ons) of this one cluster.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${clusterScope}:fargateprofile/${this.clusterName}/*]`,
        reason: "CDK's cluster creation role creates and deletes the Fargate profiles of this one cluster.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          "CDK's cluster creation role: ec2 Describe*/network-interface calls and iam:PassRole checks that have no resource-level permissions.",
      },
    );
    this.acknowledgeProviderFindings();
    Validations.of(this.compactorProfile).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy]',
      reason:
        'The pod execution role Fargate requires (image pulls); the compactor reaches S3 through its own IRSA role.',
    });
  }
}
