import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { COMPACTOR_POD_LABELS } from '../naming';
import { EBS_CSI_IRSA_SUBJECT } from '../platform/addons';
import { IrsaRole } from './irsa-role';

/** Kubernetes version and kubectl layer move together (the layer's kubectl must match the control plane). */
export const KUBERNETES_VERSION = eks.KubernetesVersion.V1_35;

export interface StatefulNodeGroupOptions {
  /** @default m6i.xlarge and m7i.xlarge (4 vCPU, 16 GiB: one Prometheus at its 8Gi limit fits with room) */
  readonly instanceTypes?: ec2.InstanceType[];
  /** @default 3 (one per zone: Prometheus' required anti-affinity needs two, a third survives a zone loss) */
  readonly minSize?: number;
  /** @default 6 */
  readonly maxSize?: number;
  /** @default 50 GiB (images and logs; metrics live on EBS volumes) */
  readonly diskSize?: Size;
}

export interface ObservabilityClusterProps {
  readonly clusterName: string;
  readonly vpc: ec2.IVpc;
  /** Where nodes, Fargate pods and the kubectl handler run. @default the VPC's private subnets (with egress) */
  readonly subnets?: ec2.SubnetSelection;
  readonly nodeGroup?: StatefulNodeGroupOptions;
  /** Namespace of the compactor pods the Fargate profile selects. @default 'monitoring' */
  readonly monitoringNamespace?: string;
  /** Role name of the EBS CSI driver's IRSA role. */
  readonly ebsCsiRoleName: string;
  /** @default RemovalPolicy.DESTROY (the cluster holds no data that is not in S3 or re-creatable) */
  readonly secretsKeyRemovalPolicy?: RemovalPolicy;
}

/**
 * The EKS cluster of the monitoring stack: private API endpoint, private subnets, every control-plane log type,
 * secrets envelope-encrypted with a rotating key, no default capacity but one managed node group for the stateful
 * components, the EBS CSI driver (IRSA) for their volumes, and a Fargate profile that selects only the Thanos
 * compactor pods.
 */
export class ObservabilityCluster extends Construct {
  public readonly cluster: eks.Cluster;
  public readonly nodeGroup: eks.Nodegroup;
  public readonly compactorProfile: eks.FargateProfile;
  public readonly ebsCsiDriver: eks.CfnAddon;
  public readonly ebsCsiRole: iam.Role;
  private readonly clusterName: string;

  constructor(scope: Construct, id: string, props: ObservabilityClusterProps) {
    super(scope, id);
    this.clusterName = props.clusterName;
    const subnets = props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const namespace = props.monitoringNamespace ?? 'monitoring';
    const minSize = props.nodeGroup?.minSize ?? 3;
    const maxSize = props.nodeGroup?.maxSize ?? 6;
    if (minSize < 2)
      throw new Error(
        `nodeGroup.minSize must be at least 2 (two Prometheus replicas never share a node), got ${minSize}`,
      );
    if (maxSize < minSize) throw new Error(`nodeGroup.maxSize (${maxSize}) must be at least minSize (${minSize})`);

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
      // Private only: the API is reachable from the VPC (nodes, the kubectl handler, in-VPC operators), not the internet.
      endpointAccess: eks.EndpointAccess.PRIVATE,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      authenticationMode: eks.AuthenticationMode.API_AND_CONFIG_MAP,
      secretsEncryptionKey: secretsKey,
      defaultCapacity: 0,
      // helm installs big charts (kube-prometheus-stack): more memory than the default 1 GiB speeds it up.
      kubectlMemory: Size.gibibytes(2),
    });

    this.nodeGroup = this.cluster.addNodegroupCapacity('Stateful', {
      nodegroupName: `${props.clusterName}-stateful`,
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      instanceTypes: props.nodeGroup?.instanceTypes ?? [
        new ec2.InstanceType('m6i.xlarge'),
        new ec2.InstanceType('m7i.xlarge'),
      ],
      capacityType: eks.CapacityType.ON_DEMAND,
      minSize,
      desiredSize: minSize,
      maxSize,
      diskSize: props.nodeGroup?.diskSize?.toGibibytes() ?? 50,
      subnets,
      labels: { 'greenlang.io/node-role': 'stateful' },
    });

    this.compactorProfile = this.cluster.addFargateProfile('Compactor', {
      fargateProfileName: `${props.clusterName}-thanos-compactor`,
      // ONLY the compactor: Fargate gives it up to 175 GiB of scratch space per run and no idle node.
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
      clusterName: this.cluster.clusterName,
      serviceAccountRoleArn: this.ebsCsiRole.roleArn,
      resolveConflicts: 'OVERWRITE',
    });
    // The driver's controller runs on the node group.
    this.ebsCsiDriver.node.addDependency(this.nodeGroup);

    this.acknowledgeFindings();
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
    Validations.of(this.nodeGroup).acknowledge(
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
