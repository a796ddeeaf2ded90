import { Token } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../config';
import type { HelmRelease } from '../k8s/types';
import { internalZoneName, irsaRoleName } from '../naming';

/**
 * The cluster add-ons the monitoring workloads rely on, as Helm releases with pinned charts. Pure: the platform
 * stack installs them with `addHelmChart`, and `npm run render` writes them to `helm/<release>/`.
 *
 * - AWS Load Balancer Controller: the internal NLBs in front of the Pushgateways and Thanos Query.
 * - ExternalDNS: publishes those NLBs as `pushgateway-N` / `thanos-query` in the private zone.
 * - External Secrets Operator: syncs `greenlang-<env>/*` from Secrets Manager into Kubernetes secrets.
 * - cert-manager: issues the Thanos gRPC TLS certificates.
 * - Cluster Autoscaler: grows the per-zone node groups up to their maxSize (and shrinks them back).
 */

/** Chart coordinates, pinned in this one place (no `latest`). */
export const ADDON_CHARTS = {
  awsLoadBalancerController: {
    release: 'aws-load-balancer-controller',
    namespace: 'kube-system',
    repository: 'https://aws.github.io/eks-charts',
    chart: 'aws-load-balancer-controller',
    version: '1.14.0',
  },
  externalDns: {
    release: 'external-dns',
    namespace: 'external-dns',
    repository: 'https://kubernetes-sigs.github.io/external-dns/',
    chart: 'external-dns',
    version: '1.19.0',
  },
  externalSecrets: {
    release: 'external-secrets',
    namespace: 'external-secrets',
    repository: 'https://charts.external-secrets.io',
    chart: 'external-secrets',
    version: '0.19.2',
  },
  certManager: {
    release: 'cert-manager',
    namespace: 'cert-manager',
    repository: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.18.2',
  },
  clusterAutoscaler: {
    release: 'cluster-autoscaler',
    namespace: 'kube-system',
    repository: 'https://kubernetes.github.io/autoscaler',
    chart: 'cluster-autoscaler',
    // The chart whose appVersion is the image below (1.35.0). Not older than 9.46.3: the autoscaler >= 1.32 watches
    // VolumeAttachments (the 1.32 scheduler framework's CSI limits), and only from chart 9.46.3 on does the chart's
    // ClusterRole grant them (kubernetes/autoscaler#7904, fixing #7663); with 9.43.1 (appVersion 1.31.0) the
    // 1.35 autoscaler loops on "volumeattachments.storage.k8s.io is forbidden" and scale-ups stop
    // (kubernetes/autoscaler#8678, aws-ia/terraform-aws-eks-blueprints-addons#501). The values used below
    // (cloudProvider, awsRegion, autoDiscovery.clusterName, image, rbac.serviceAccount, extraArgs, resources) are
    // the chart's long-standing keys.
    version: '9.59.0',
  },
} as const;

/** Cluster Autoscaler image: minor = Kubernetes minor (1.35), from registry.k8s.io (no anonymous pull limits). */
export const CLUSTER_AUTOSCALER_IMAGE = {
  repository: 'registry.k8s.io/autoscaling/cluster-autoscaler',
  tag: 'v1.35.0',
};
export type PlatformAddon = keyof typeof ADDON_CHARTS;

/**
 * `configurationValues` of the `vpc-cni` EKS add-on: the network policy agent enforces NetworkPolicies only with
 * `enableNetworkPolicy` on (a string in the add-on's schema; off by default — EKS user guide "Configure your
 * cluster for Kubernetes network policies"). Pods on Fargate are never enforced.
 */
export const VPC_CNI_CONFIGURATION = { enableNetworkPolicy: 'true' } as const;

/**
 * The EKS managed add-ons' versions, pinned for the Kubernetes minor the cluster runs (`kubernetesVersion`; a test
 * fails when the cluster's version moves without them). Unpinned, EKS installs its default build at creation and
 * never upgrades it, so two environments created months apart would differ. Both are the versions AWS's own
 * awslabs/cdk-eks-blueprints maps to `KubernetesVersion.V1_35` (lib/addons/vpc-cni/index.ts and
 * lib/addons/ebs-csi-driver/index.ts `versionMap`, commit 0f89ff76dac7c6af6182fe08f79f088a80374c2b). Check a bump
 * with `aws eks describe-addon-versions --kubernetes-version 1.35 --addon-name <name>` (docs/facts.md).
 */
export const EKS_ADDON_VERSIONS = {
  kubernetesVersion: '1.35',
  /** Network policy enforcement (`enableNetworkPolicy`) needs vpc-cni >= v1.14. */
  vpcCni: 'v1.21.1-eksbuild.1',
  ebsCsiDriver: 'v1.57.1-eksbuild.1',
} as const;

/** A Kubernetes service account that assumes an IAM role (IRSA) and the role name it assumes. */
export interface IrsaSubject {
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The `<identity>` part of `irsaRoleName(env, identity)`. */
  readonly roleIdentity: string;
}

/** The add-ons that call AWS APIs, with the service account their chart creates. */
export const ADDON_IRSA_SUBJECTS = {
  awsLoadBalancerController: {
    namespace: ADDON_CHARTS.awsLoadBalancerController.namespace,
    serviceAccount: 'aws-load-balancer-controller',
    roleIdentity: 'aws-load-balancer-controller',
  },
  externalDns: {
    namespace: ADDON_CHARTS.externalDns.namespace,
    serviceAccount: 'external-dns',
    roleIdentity: 'external-dns',
  },
  externalSecrets: {
    namespace: ADDON_CHARTS.externalSecrets.namespace,
    serviceAccount: 'external-secrets',
    roleIdentity: 'external-secrets',
  },
  clusterAutoscaler: {
    namespace: ADDON_CHARTS.clusterAutoscaler.namespace,
    serviceAccount: 'cluster-autoscaler',
    roleIdentity: 'cluster-autoscaler',
  },
} as const satisfies Partial<Record<PlatformAddon, IrsaSubject>>;

/** The EBS CSI driver (an EKS managed add-on, not a Helm release) runs its controller under this account. */
export const EBS_CSI_IRSA_SUBJECT: IrsaSubject = {
  namespace: 'kube-system',
  serviceAccount: 'ebs-csi-controller-sa',
  roleIdentity: 'ebs-csi-driver',
};

/**
 * The name of the ClusterSecretStore (Secrets Manager, through the ESO controller's IRSA role) that
 * ExternalSecret objects reference.
 */
export const SECRET_STORE_NAME = 'aws-secrets-manager';

/** The partition of a region's ARNs (the role ARN must be known before deploy, so no `${AWS::Partition}`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The ARN of an IRSA role, as the ServiceAccount annotation `eks.amazonaws.com/role-arn` carries it. */
export function irsaRoleArn(
  config: Pick<EnvironmentConfig, 'name' | 'account' | 'region'>,
  roleIdentity: string,
): string {
  return `arn:${partitionOf(config.region)}:iam::${config.account}:role/${irsaRoleName(config.name, roleIdentity)}`;
}

/** The ARN of a person's IAM role (by name, in the deploy account) that an EKS access entry names. */
export function personRoleArn(config: Pick<EnvironmentConfig, 'account' | 'region'>, roleName: string): string {
  return `arn:${partitionOf(config.region)}:iam::${config.account}:role/${roleName}`;
}

/** Values known only at deploy time; render leaves them out (the charts then discover them). */
export interface AddonDeployValues {
  /** VPC id for the load balancer controller (it would otherwise read it from the instance metadata). */
  readonly vpcId?: string;
  /** Hosted zone id of the private zone, to pin ExternalDNS to exactly that zone. */
  readonly internalZoneId?: string;
}

const serviceAccount = (config: EnvironmentConfig, subject: IrsaSubject) => ({
  create: true,
  name: subject.serviceAccount,
  annotations: { 'eks.amazonaws.com/role-arn': irsaRoleArn(config, subject.roleIdentity) },
});

/**
 * The add-on releases, in install order: the load balancer controller first (its Service-mutating webhook has
 * failurePolicy Fail and selects every Service but its own, so any chart creating a Service before its pods are
 * ready fails: aws/eks-charts stable/aws-load-balancer-controller/templates/webhook.yaml, `mservice.elbv2.k8s.aws`;
 * aws-load-balancer-controller#4140). The platform stack makes every other release depend on it.
 */
export function platformAddonReleases(config: EnvironmentConfig, deploy: AddonDeployValues = {}): HelmRelease[] {
  const zone = internalZoneName(config.name);
  return [
    {
      ...ADDON_CHARTS.awsLoadBalancerController,
      values: {
        clusterName: config.clusterName,
        region: config.region,
        ...(deploy.vpcId ? { vpcId: deploy.vpcId } : {}),
        replicaCount: 2,
        serviceAccount: serviceAccount(config, ADDON_IRSA_SUBJECTS.awsLoadBalancerController),
        // Only NLBs for Services: no Ingress class, no WAF/Shield integration (the IAM policy does not allow them).
        createIngressClassResource: false,
        enableShield: false,
        enableWaf: false,
        enableWafv2: false,
      },
    },
    {
      ...ADDON_CHARTS.certManager,
      values: {
        crds: { enabled: true, keep: true },
        replicaCount: 2,
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        webhook: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } },
        // No ACME: the Thanos gRPC certificates come from an in-cluster CA; cert-manager needs no AWS access.
        prometheus: { enabled: true },
      },
    },
    {
      ...ADDON_CHARTS.externalDns,
      values: {
        provider: { name: 'aws' },
        env: [{ name: 'AWS_DEFAULT_REGION', value: config.region }],
        sources: ['service'],
        domainFilters: [zone],
        // sync: records of deleted Services are removed; the TXT registry keeps ExternalDNS to its own records.
        policy: 'sync',
        registry: 'txt',
        txtOwnerId: config.clusterName,
        extraArgs: [
          '--aws-zone-type=private',
          ...(deploy.internalZoneId ? [`--zone-id-filter=${deploy.internalZoneId}`] : []),
        ],
        serviceAccount: serviceAccount(config, ADDON_IRSA_SUBJECTS.externalDns),
      },
    },
    {
      ...ADDON_CHARTS.externalSecrets,
      values: {
        installCRDs: true,
        replicaCount: 2,
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        serviceAccount: serviceAccount(config, ADDON_IRSA_SUBJECTS.externalSecrets),
      },
    },
    {
      ...ADDON_CHARTS.clusterAutoscaler,
      values: {
        cloudProvider: 'aws',
        awsRegion: config.region,
        // Finds the managed node groups' Auto Scaling groups by the tags EKS puts on them
        // (k8s.io/cluster-autoscaler/enabled, k8s.io/cluster-autoscaler/<cluster>).
        autoDiscovery: { clusterName: config.clusterName },
        image: { ...CLUSTER_AUTOSCALER_IMAGE },
        rbac: { serviceAccount: serviceAccount(config, ADDON_IRSA_SUBJECTS.clusterAutoscaler) },
        extraArgs: {
          // One group per zone: keep the zones even, so losing one zone loses a third of the capacity.
          'balance-similar-node-groups': true,
          expander: 'least-waste',
          // The add-ons in kube-system must not pin a node forever; PDBs still protect them.
          'skip-nodes-with-system-pods': false,
        },
        resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { cpu: '500m', memory: '600Mi' } },
      },
    },
  ];
}

/** The Service class the AWS Load Balancer Controller provisions NLBs for (it ignores other LoadBalancer Services). */
export const INTERNAL_NLB_CLASS = 'service.k8s.aws/nlb';

/**
 * Annotations of a Service the VPC reaches through an internal NLB (the Pushgateway replicas, Thanos Query):
 * the load balancer controller creates an internal NLB with IP targets whose security group admits the VPC CIDR
 * only (the controller then opens the pods' security group to the NLB), and ExternalDNS publishes `<host>` in the
 * private zone. Use with `type: LoadBalancer` and `loadBalancerClass: service.k8s.aws/nlb`.
 */
export function internalLoadBalancerAnnotations(
  config: Pick<EnvironmentConfig, 'name' | 'vpcCidr'>,
  host: string,
): Record<string, string> {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(host)) {
    throw new Error(`internal load balancer host "${host}" is not a DNS label (e.g. "pushgateway-0")`);
  }
  return {
    'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
    'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
    'service.beta.kubernetes.io/load-balancer-source-ranges': config.vpcCidr,
    'service.beta.kubernetes.io/aws-load-balancer-attributes': 'load_balancing.cross_zone.enabled=true',
    'external-dns.alpha.kubernetes.io/hostname': `${host}.${internalZoneName(config.name)}`,
  };
}

/** TLS 1.2/1.3 only on the internal NLBs' TLS listeners (an ELB security policy name). */
export const INTERNAL_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * Annotations that make the NLB of a Service terminate TLS on the Service ports named in `tlsPorts` with an ACM
 * certificate, and forward plain TCP to the pods. aws-load-balancer-controller: a port gets a TLS listener when
 * `ssl-cert` names at least one certificate and the port's name or number is in `ssl-ports` (all ports when that
 * annotation is absent; a name in it that matches no port fails the reconcile: "Unused port in ssl-ports
 * annotation"); `ssl-negotiation-policy` is the listener's security policy; `backend-protocol: tcp` keeps the
 * target group plain TCP (`ssl` would re-encrypt to the pod). (kubernetes-sigs/aws-load-balancer-controller
 * pkg/service/model_build_listener.go `buildListenerSpec`, `validateTLSPortsSet`; pkg/annotations/constants.go;
 * docs/guide/service/annotations.md "TLS")
 */
export function internalTlsListenerAnnotations(
  certificateArn: string,
  tlsPorts: readonly string[],
): Record<string, string> {
  if (tlsPorts.length === 0) throw new Error('internalTlsListenerAnnotations: name at least one TLS port');
  if (
    !Token.isUnresolved(certificateArn) &&
    !/^arn:[a-z-]+:acm:[a-z0-9-]+:\d{12}:certificate\/.+$/.test(certificateArn)
  ) {
    throw new Error(`internalTlsListenerAnnotations: "${certificateArn}" is not an ACM certificate ARN`);
  }
  return {
    'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': certificateArn,
    'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': tlsPorts.join(','),
    'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': INTERNAL_TLS_POLICY,
    'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'tcp',
  };
}
