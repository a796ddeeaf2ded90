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
} as const;
export type PlatformAddon = keyof typeof ADDON_CHARTS;

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

/** The four add-on releases, in install order (cert-manager first: nothing else depends on the others). */
export function platformAddonReleases(config: EnvironmentConfig, deploy: AddonDeployValues = {}): HelmRelease[] {
  const zone = internalZoneName(config.name);
  return [
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
  ];
}

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
