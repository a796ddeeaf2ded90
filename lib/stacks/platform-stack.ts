import { CfnOutput, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { alertmanagerConfig, renderAlertWebhookUrl } from '../alerting/alertmanager-config';
import type { EnvironmentConfig } from '../config';
import { ClusterWorkloads } from '../constructs/cluster-workloads';
import { GrafanaCertificate } from '../constructs/grafana-certificate';
import { GrafanaCloudWatchRole } from '../constructs/grafana-cloudwatch-role';
import { GrafanaDatabase } from '../constructs/grafana-database';
import { InternalEndpointsCertificate } from '../constructs/internal-endpoints-certificate';
import { InternalEndpointsZone } from '../constructs/internal-endpoints-zone';
import { ObservabilityCluster } from '../constructs/observability-cluster';
import { PlatformAddonRoles } from '../constructs/platform-addon-roles';
import { ThanosIrsaRoles } from '../constructs/thanos-irsa-roles';
import { helmReleases, kubernetesObjects } from '../k8s';
import { GRAFANA, GRAFANA_ROLE_IDENTITY } from '../k8s/grafana';
import { grafanaRootUrl } from '../k8s/grafana-endpoint';
import { MONITORING_NAMESPACE } from '../k8s/namespace';
import { internalZoneName, irsaRoleName, pushgatewayReplicaHost, thanosBucketName, thanosQueryHost } from '../naming';
import { ADDON_CHARTS, EBS_CSI_IRSA_SUBJECT, personRoleArn, platformAddonReleases } from '../platform/addons';
import { nodeGroupProblems } from '../platform/node-capacity';
import { platformAddonObjects, platformBaseObjects } from '../platform/objects';

/** The platform stack's outputs (`aws cloudformation describe-stacks` keys docs/deploy.md uses). */
export const PLATFORM_OUTPUTS = {
  clusterName: 'ClusterName',
  clusterEndpoint: 'ClusterEndpoint',
  accessHostInstanceId: 'AccessHostInstanceId',
  grafanaUrl: 'GrafanaUrl',
  internalZoneId: 'InternalZoneId',
} as const;

export interface PlatformStackProps extends StackProps {
  readonly config: EnvironmentConfig;
  readonly vpc: ec2.IVpc;
  readonly thanosKey: kms.IKey;
  /** The alert fan-out's webhook (ops stack): every Alertmanager receiver posts there. */
  readonly alertWebhookUrl: string;
}

/**
 * The EKS side of an environment: the cluster (node group, EBS CSI, Fargate for the compactor), the IRSA roles of
 * Thanos and of the add-ons, the private zone of the in-VPC endpoints, the add-on releases, and every Kubernetes
 * object and Helm release of the monitoring workloads (the pure builders of `lib/k8s`, the same ones render uses).
 */
export class PlatformStack extends Stack {
  public readonly cluster: ObservabilityCluster;
  public readonly thanosRoles: ThanosIrsaRoles;
  public readonly addonRoles: PlatformAddonRoles;
  public readonly internalZone: InternalEndpointsZone;
  public readonly workloads: ClusterWorkloads;
  public readonly grafanaCertificate: GrafanaCertificate;
  /** The Pushgateway replicas' NLB certificate (AWS Private CA), one name per replica. */
  public readonly pushgatewayCertificate: InternalEndpointsCertificate;
  /** The query-frontend NLB's certificate (AWS Private CA), for `thanosQueryHost` (the capacity report's way in). */
  public readonly thanosQueryCertificate: InternalEndpointsCertificate;
  public readonly grafanaRole: GrafanaCloudWatchRole;
  /** Grafana's shared database, when `grafana.database.engine` is `postgres`. */
  public readonly grafanaDatabase?: GrafanaDatabase;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { config } = props;
    // The node groups are sized for the seed's requests; a sizing that no longer fits stops synth here. Every
    // instance type is checked (a group may come up with any of them).
    const nodesAtRest = config.nodeGroups.minPerZone * config.availabilityZones.length;
    const problems = [
      ...new Set(
        config.nodeGroups.instanceTypes.flatMap((instanceType) =>
          nodeGroupProblems(config.sizing, { instanceType, minSize: nodesAtRest }),
        ),
      ),
    ];
    if (problems.length > 0) {
      throw new Error(
        `${id}: the stateful node group does not fit the sizing of ${config.name}:\n- ${problems.join('\n- ')}`,
      );
    }

    this.cluster = new ObservabilityCluster(this, 'Eks', {
      clusterName: config.clusterName,
      vpc: props.vpc,
      monitoringNamespace: MONITORING_NAMESPACE,
      nodeGroup: {
        instanceTypes: [...config.nodeGroups.instanceTypes],
        minPerZone: config.nodeGroups.minPerZone,
        maxPerZone: config.nodeGroups.maxPerZone,
        rootVolume: Size.gibibytes(config.nodeGroups.rootVolumeGiB),
      },
      access: {
        adminRoleArns: config.access.adminRoleNames.map((name) => personRoleArn(config, name)),
        readOnlyRoleArns: config.access.readOnlyRoleNames.map((name) => personRoleArn(config, name)),
        publicEndpointCidrs: config.access.publicEndpointCidrs,
        sessionManagerHost: config.access.sessionManagerHost,
      },
      ebsCsiRoleName: irsaRoleName(config.name, EBS_CSI_IRSA_SUBJECT.roleIdentity),
      secretsKeyRemovalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const { cluster } = this.cluster;

    this.thanosRoles = new ThanosIrsaRoles(this, 'ThanosRoles', {
      env: config.name,
      cluster,
      // The storage stack names the bucket thanosBucketName(config); the name avoids a cross-stack export.
      bucketName: thanosBucketName(config),
      key: props.thanosKey,
      namespace: MONITORING_NAMESPACE,
    });

    this.internalZone = new InternalEndpointsZone(this, 'InternalEndpoints', {
      zoneName: internalZoneName(config.name),
      vpc: props.vpc,
    });
    this.addonRoles = new PlatformAddonRoles(this, 'AddonRoles', {
      env: config.name,
      cluster,
      clusterName: config.clusterName,
      internalZone: this.internalZone.zone,
    });

    // Grafana: the load balancer's certificate, and the shared database when configured (grafana.database).
    this.grafanaCertificate = new GrafanaCertificate(this, 'GrafanaCertificate', {
      hostname: config.grafana.hostname,
      certificateAuthorityArn: config.grafana.certificateAuthorityArn,
    });
    // The Pushgateway NLBs terminate TLS with a certificate from the same Private CA; the push functions trust it.
    this.pushgatewayCertificate = new InternalEndpointsCertificate(this, 'PushgatewayCertificate', {
      hostnames: Array.from({ length: config.sizing.components.pushgateway.replicas }, (_, replica) =>
        pushgatewayReplicaHost(config.name, replica),
      ),
      certificateAuthorityArn: config.grafana.certificateAuthorityArn,
    });
    // A certificate of its own rather than one more name on the Pushgateway's: a change of the replica count
    // replaces only that one (an ACM certificate's names cannot change in place), each NLB presents only its own
    // name, and adding this one left the in-use Pushgateway certificate untouched.
    this.thanosQueryCertificate = new InternalEndpointsCertificate(this, 'ThanosQueryCertificate', {
      hostnames: [thanosQueryHost(config.name)],
      certificateAuthorityArn: config.grafana.certificateAuthorityArn,
    });
    this.grafanaRole = new GrafanaCloudWatchRole(this, 'GrafanaRole', {
      cluster,
      namespace: MONITORING_NAMESPACE,
      serviceAccount: GRAFANA,
      roleName: irsaRoleName(config.name, GRAFANA_ROLE_IDENTITY),
    });
    const database = config.grafana.database;
    if (database.engine === 'postgres') {
      this.grafanaDatabase = new GrafanaDatabase(this, 'GrafanaDatabase', {
        env: config.name,
        vpc: props.vpc,
        settings: database,
        clients: [cluster.clusterSecurityGroup],
        removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      });
    }

    this.workloads = new ClusterWorkloads(this, 'Workloads', {
      cluster,
      baseObjects: platformBaseObjects(),
      addonReleases: platformAddonReleases(config, {
        vpcId: props.vpc.vpcId,
        internalZoneId: this.internalZone.zone.hostedZoneId,
      }),
      addonObjects: platformAddonObjects(config),
      releases: helmReleases(config),
      objects: kubernetesObjects(config, {
        alertmanagerConfig: deployedAlertmanagerConfig(config, props.alertWebhookUrl),
        grafana: { certificateArn: this.grafanaCertificate.certificate.certificateArn },
        pushgateway: { certificateArn: this.pushgatewayCertificate.certificate.certificateArn },
        thanosQuery: { certificateArn: this.thanosQueryCertificate.certificate.certificateArn },
      }),
      // Its Service-mutating webhook (failurePolicy Fail) must answer before any other chart creates a Service.
      serviceWebhookRelease: ADDON_CHARTS.awsLoadBalancerController.release,
      // The releases' pods (and the IRSA roles their service accounts name) must exist before helm waits on them.
      releasesDependOn: [...this.cluster.nodeGroups, this.cluster.ebsCsiDriver, this.thanosRoles, this.addonRoles],
    });

    // The ExternalSecret of the database credentials syncs once the generated secret exists.
    if (this.grafanaDatabase) {
      for (const manifest of this.workloads.manifests) manifest.node.addDependency(this.grafanaDatabase);
    }

    new CfnOutput(this, PLATFORM_OUTPUTS.clusterName, { value: cluster.clusterName });
    new CfnOutput(this, PLATFORM_OUTPUTS.clusterEndpoint, {
      description: 'API endpoint (private unless access.publicEndpointCidrs is set); docs/deploy.md "Get in"',
      value: cluster.clusterEndpoint,
    });
    if (this.cluster.accessHost) {
      new CfnOutput(this, PLATFORM_OUTPUTS.accessHostInstanceId, {
        description: 'Session Manager port forwarding host (docs/deploy.md "Get in")',
        value: this.cluster.accessHost.instance.instanceId,
      });
    }
    new CfnOutput(this, PLATFORM_OUTPUTS.grafanaUrl, {
      value: grafanaRootUrl(config),
      description: 'Grafana (inside the VPC / VPN)',
    });
    new CfnOutput(this, PLATFORM_OUTPUTS.internalZoneId, { value: this.internalZone.zone.hostedZoneId });
  }
}

/**
 * The Alertmanager config with the deployed fan-out URL. The URL is a deploy-time token (the HTTP API's endpoint),
 * which the config builder's URL check cannot parse: build with the render placeholder, then put the token in.
 */
function deployedAlertmanagerConfig(config: EnvironmentConfig, alertWebhookUrl: string): object {
  const placeholder = renderAlertWebhookUrl(config.name);
  const rendered = JSON.stringify(alertmanagerConfig(config, { alertWebhookUrl: placeholder }));
  return JSON.parse(rendered.split(placeholder).join(alertWebhookUrl)) as object;
}
