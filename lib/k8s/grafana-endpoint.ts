import type { EnvironmentConfig } from '../config';
import { INTERNAL_NLB_CLASS, internalLoadBalancerAnnotations } from '../platform/addons';
import { componentLabels, NLB_SERVICE_LABEL, renderCertificateArn, selectorLabels } from './common';
import { MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/** The internal load balancer Service people reach Grafana through. */
export const GRAFANA_LB_SERVICE = 'grafana-lb';
/** TLS 1.2/1.3 only on the listener (ELB security policy name). */
export const GRAFANA_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/** `https://<grafana.hostname>/`: Grafana's root_url, so the OAuth redirect and links point where people are. */
export function grafanaRootUrl(config: Pick<EnvironmentConfig, 'grafana'>): string {
  return `https://${config.grafana.hostname}/`;
}

/** The certificate ARN render writes for Grafana's (renderCertificateArn). */
export function renderGrafanaCertificateArn(config: Pick<EnvironmentConfig, 'account' | 'region' | 'name'>): string {
  return renderCertificateArn(config, 'grafana');
}

/**
 * An internal NLB (AWS Load Balancer Controller, IP targets) with a TLS listener on 443 that terminates with the
 * ACM certificate and re-encrypts to Grafana's HTTPS port (`backend-protocol: ssl` makes the target group TLS for
 * a port with a TLS listener: pkg/service/model_build_listener.go `buildListenerSpec`; the NLB does not validate
 * the pod's certificate, ELB user guide "Target groups for your Network Load Balancers"); only
 * `grafana.allowedCidrs` may connect; ExternalDNS publishes `grafana.hostname` in the private zone. Annotations:
 * aws-load-balancer-controller docs/guide/service/annotations.md (ssl-cert, ssl-ports, ssl-negotiation-policy,
 * backend-protocol, healthcheck-*, load-balancer-source-ranges).
 */
export function grafanaLoadBalancerService(config: EnvironmentConfig, certificateArn: string): KubernetesObject {
  const labels = componentLabels('grafana', 'grafana');
  const hostname = config.grafana.hostname;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: GRAFANA_LB_SERVICE,
      namespace: MONITORING_NAMESPACE,
      labels: { ...labels, [NLB_SERVICE_LABEL.key]: NLB_SERVICE_LABEL.value },
      annotations: {
        // The stack's internal-NLB settings (internal scheme, IP targets, cross-zone), published under Grafana's own
        // hostname and open to `grafana.allowedCidrs` (below) rather than the whole VPC.
        ...internalLoadBalancerAnnotations(config, 'grafana'),
        'external-dns.alpha.kubernetes.io/hostname': hostname,
        'service.beta.kubernetes.io/aws-load-balancer-ssl-cert': certificateArn,
        'service.beta.kubernetes.io/aws-load-balancer-ssl-ports': 'https',
        'service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy': GRAFANA_TLS_POLICY,
        'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'ssl',
        // Ready means answering /api/health over HTTPS, not merely accepting TCP.
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'HTTPS',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port': 'traffic-port',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/api/health',
        'service.beta.kubernetes.io/load-balancer-source-ranges': config.grafana.allowedCidrs.join(','),
        'service.beta.kubernetes.io/aws-load-balancer-attributes': 'load_balancing.cross_zone.enabled=true',
      },
    },
    spec: {
      type: 'LoadBalancer',
      loadBalancerClass: INTERNAL_NLB_CLASS,
      selector: selectorLabels('grafana'),
      ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
    },
  };
}
