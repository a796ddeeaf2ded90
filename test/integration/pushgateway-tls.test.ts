import {
  type PushgatewayReplica,
  pushgatewayReplica,
  ReplicaUnavailableError,
} from '../../lambdas/adapters/pushgateway';
import { startPushgateway } from '../../lib/devstack/components';
import { requireBinaries } from '../../lib/devstack/processes';
import { refusal as refusalOf } from '../support/refusal';
import { clientTlsServersAround } from '../support/tls-pki';

/**
 * The push functions' replica client over TLS, as it runs in AWS: the Pushgateway's internal NLB terminates TLS with
 * an ACM certificate issued by the AWS Private CA and forwards plain TCP to the pod (lib/k8s/pushgateway.ts), and the
 * functions trust that CA only (PUSHGATEWAY_CA_PEM). Here a node:tls server that pipes every connection to a real
 * Pushgateway (the Debian build) stands in for the NLB, and openssl makes the CAs and certificates in a temp dir.
 * What is reproduced is the client's side — which CA it trusts, the host name check, a chain that ends at a
 * subordinate CA — not the NLB's security policy or ACM.
 */

jest.setTimeout(60_000);

const bins = requireBinaries(['pushgateway', 'openssl']);

/** Stand-ins for a replica's NLB TLS listener (test/support/tls-pki.ts) in front of the Pushgateway. */
const tls = clientTlsServersAround({
  openssl: bins.openssl,
  prefix: 'gl-pushgateway-tls-',
  wrongName: 'pushgateway-9.monitoring.greenlang-test.internal',
  backend: () => startPushgateway(),
});
const read = (name: string) => tls.read(name);

const body = (metric: string) => new TextEncoder().encode(`# TYPE ${metric} gauge\n${metric} 1\n`);
const put = (replica: PushgatewayReplica, job: string) =>
  replica.push({ method: 'PUT', path: `/metrics/job/${job}`, body: body(`${job}_value`), contentType: 'text/plain' });

/** The jobs the Pushgateway holds, read over plain HTTP past the stand-in NLB. */
async function jobsHeld(): Promise<string[]> {
  const response = await fetch(`${tls.backend.url}/api/v1/metrics`);
  const json = (await response.json()) as { data: { labels: { job: string } }[] };
  return json.data.map((group) => group.labels.job).sort();
}

/** The error a push ends with (the test fails when it succeeds). */
const refusal = (promise: Promise<unknown>) => refusalOf(promise, ReplicaUnavailableError);

describe('the Pushgateway replica client over TLS (a local TLS terminator stands in for the NLB)', () => {
  it('pushes and reads groups through a server whose certificate the given CA signed', async () => {
    const replica = pushgatewayReplica('pushgateway-0', tls.trustedUrl, { ca: read('private-ca.pem') });
    const answer = await put(replica, 'tls_trusted');
    expect(answer.status).toBe(200);
    expect((await replica.groups()).map((group) => group.key.job)).toContain('tls_trusted');
    expect(await jobsHeld()).toContain('tls_trusted');
  });

  it('refuses a server whose certificate another CA signed, before sending anything', async () => {
    const replica = pushgatewayReplica('pushgateway-0', tls.trustedUrl, { ca: read('other-ca.pem') });
    const error = await refusal(put(replica, 'tls_other_ca'));
    expect(error.message).toMatch(/^pushgateway-0: .*(certificate|verify)/i);
    // The handshake failed: the replica cannot have applied it.
    expect(error.maybeApplied).toBe(false);
    expect(await jobsHeld()).not.toContain('tls_other_ca');
  });

  it("refuses the private CA's server with Node's public roots alone (no CA given)", async () => {
    const replica = pushgatewayReplica('pushgateway-0', tls.trustedUrl);
    const error = await refusal(put(replica, 'tls_public_roots'));
    expect(error.message).toMatch(/certificate/i);
    expect(error.maybeApplied).toBe(false);
    expect(await jobsHeld()).not.toContain('tls_public_roots');
  });

  it('refuses a certificate of the trusted CA issued for another name', async () => {
    const replica = pushgatewayReplica('pushgateway-0', tls.wrongNameUrl, { ca: read('private-ca.pem') });
    const error = await refusal(put(replica, 'tls_wrong_name'));
    expect(error.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
    expect(error.maybeApplied).toBe(false);
    expect(await jobsHeld()).not.toContain('tls_wrong_name');
  });

  it('trusts a subordinate CA by itself (what GetCertificateAuthorityCertificate returns for one), not its root', async () => {
    const replica = pushgatewayReplica('pushgateway-1', tls.subordinateUrl, { ca: read('subordinate-ca.pem') });
    expect((await put(replica, 'tls_subordinate')).status).toBe(200);
    // Another root's subordinate is still refused.
    const stranger = pushgatewayReplica('pushgateway-1', tls.subordinateUrl, { ca: read('private-ca.pem') });
    expect((await refusal(put(stranger, 'tls_subordinate_stranger'))).maybeApplied).toBe(false);
    expect(await jobsHeld()).toEqual(expect.arrayContaining(['tls_subordinate']));
    expect(await jobsHeld()).not.toContain('tls_subordinate_stranger');
  });

  it('refuses a CA for an http URL (it would never be used)', () => {
    expect(() => pushgatewayReplica('pushgateway-0', 'http://localhost:9091', { ca: read('private-ca.pem') })).toThrow(
      'pushgateway-0: a CA is given but http://localhost:9091 is not an https URL',
    );
  });
});
