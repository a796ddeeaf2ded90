import { commonLabels, MONITORING_NAMESPACE } from './namespace';
import type { KubernetesObject } from './types';

/**
 * mTLS for Thanos gRPC (StoreAPI on 10901) with cert-manager: a self-signed issuer makes a CA, a CA issuer signs one
 * certificate per component. Every server certificate carries {@link THANOS_GRPC_SERVER_NAME}, the name clients
 * verify (`--grpc-client-server-name`): endpoints are discovered by DNS SRV, so clients dial IPs.
 */

export const THANOS_GRPC_SERVER_NAME = 'thanos-grpc.monitoring.svc';
/**
 * The name the HTTPS clients of the Thanos HTTP ports verify (thanos-http-tls.ts): every component certificate
 * carries it beside the gRPC name, and serves both ports.
 */
export const THANOS_HTTP_SERVER_NAME = 'thanos-http.monitoring.svc';
const CA_SECRET = 'thanos-grpc-ca';
/** The CA issuer of every Thanos certificate (also Grafana's client certificate for the query-frontend). */
export const THANOS_CA_ISSUER = 'thanos-grpc-ca';
const CA_ISSUER = THANOS_CA_ISSUER;
const SELF_SIGNED_ISSUER = 'thanos-grpc-selfsigned';

/** Components that hold a gRPC certificate; the Prometheus pods' sidecar is `sidecar`. */
export type ThanosTlsComponent = 'sidecar' | 'query' | 'store' | 'ruler';
export const THANOS_TLS_COMPONENTS: readonly ThanosTlsComponent[] = ['sidecar', 'query', 'store', 'ruler'];

/** The Secret cert-manager writes for a component (`tls.crt`, `tls.key`, `ca.crt`). */
export function thanosTlsSecret(component: ThanosTlsComponent): string {
  return `thanos-${component}-grpc-tls`;
}

/** Where the component's certificate secret is mounted in its Thanos container. */
export const THANOS_TLS_DIR = '/etc/thanos/grpc-tls';
export const THANOS_TLS_VOLUME = 'thanos-grpc-tls';

export const THANOS_TLS_FILES = {
  cert: `${THANOS_TLS_DIR}/tls.crt`,
  key: `${THANOS_TLS_DIR}/tls.key`,
  ca: `${THANOS_TLS_DIR}/ca.crt`,
} as const;

/** The same for the operator's CRs (Prometheus `spec.thanos`, ThanosRuler `spec`): `grpcServerTlsConfig`. */
export const THANOS_GRPC_SERVER_TLS_CONFIG = {
  certFile: THANOS_TLS_FILES.cert,
  keyFile: THANOS_TLS_FILES.key,
  caFile: THANOS_TLS_FILES.ca,
} as const;

/** gRPC server flags: serve TLS and require client certificates signed by the CA. */
export function grpcServerTlsArgs(): string[] {
  return [
    `--grpc-server-tls-cert=${THANOS_TLS_FILES.cert}`,
    `--grpc-server-tls-key=${THANOS_TLS_FILES.key}`,
    `--grpc-server-tls-client-ca=${THANOS_TLS_FILES.ca}`,
  ];
}

/** gRPC client flags: dial with TLS, present our certificate, verify the server against the CA and name. */
export function grpcClientTlsArgs(): string[] {
  return [
    '--grpc-client-tls-secure',
    `--grpc-client-tls-cert=${THANOS_TLS_FILES.cert}`,
    `--grpc-client-tls-key=${THANOS_TLS_FILES.key}`,
    `--grpc-client-tls-ca=${THANOS_TLS_FILES.ca}`,
    `--grpc-client-server-name=${THANOS_GRPC_SERVER_NAME}`,
  ];
}

export function thanosTlsVolume(component: ThanosTlsComponent): Record<string, unknown> {
  return { name: THANOS_TLS_VOLUME, secret: { secretName: thanosTlsSecret(component) } };
}

export const THANOS_TLS_VOLUME_MOUNT = { name: THANOS_TLS_VOLUME, mountPath: THANOS_TLS_DIR, readOnly: true } as const;

/**
 * A server certificate for an HTTPS endpoint (Alertmanager's web TLS), signed by the same in-cluster CA as the
 * Thanos gRPC certificates: every client that already mounts a Thanos TLS secret (`ca.crt`) can verify it, and
 * clients configured through the operator read `ca.crt` from this certificate's own secret.
 */
export function webServerCertificate(props: {
  readonly secretName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
}): KubernetesObject {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name: props.secretName, namespace: MONITORING_NAMESPACE, labels: commonLabels('web-tls') },
    spec: {
      secretName: props.secretName,
      commonName: props.dnsNames[0],
      dnsNames: [...props.dnsNames],
      ...(props.ipAddresses ? { ipAddresses: [...props.ipAddresses] } : {}),
      duration: '2160h',
      renewBefore: '360h',
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['server auth', 'digital signature', 'key encipherment'],
      issuerRef: { name: CA_ISSUER, kind: 'Issuer', group: 'cert-manager.io' },
    },
  };
}

/** The cert-manager objects: self-signed issuer → CA certificate → CA issuer → one certificate per component. */
export function thanosTlsObjects(): KubernetesObject[] {
  const labels = commonLabels('thanos-tls');
  const meta = (name: string) => ({ name, namespace: MONITORING_NAMESPACE, labels });
  const objects: KubernetesObject[] = [
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(SELF_SIGNED_ISSUER), spec: { selfSigned: {} } },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(CA_SECRET),
      spec: {
        isCA: true,
        commonName: 'greenlang-thanos-grpc-ca',
        secretName: CA_SECRET,
        duration: '87600h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { name: SELF_SIGNED_ISSUER, kind: 'Issuer', group: 'cert-manager.io' },
      },
    },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Issuer',
      metadata: meta(CA_ISSUER),
      spec: { ca: { secretName: CA_SECRET } },
    },
  ];
  for (const component of THANOS_TLS_COMPONENTS) {
    objects.push({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(thanosTlsSecret(component)),
      spec: {
        secretName: thanosTlsSecret(component),
        commonName: `thanos-${component}`,
        dnsNames: [THANOS_GRPC_SERVER_NAME, THANOS_HTTP_SERVER_NAME, `thanos-${component}.${MONITORING_NAMESPACE}.svc`],
        duration: '2160h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        // Every component is a server (StoreAPI, HTTPS) and a client (Query dials the others).
        usages: ['server auth', 'client auth', 'digital signature', 'key encipherment'],
        issuerRef: { name: CA_ISSUER, kind: 'Issuer', group: 'cert-manager.io' },
      },
    });
  }
  return objects;
}
