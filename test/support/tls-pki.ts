import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { listenOnLoopback } from './loopback-server';

/**
 * CAs and certificates made by the real openssl in a temp dir, and a TLS terminator that stands in for an internal
 * NLB's TLS listener: what a client test needs to check which CA the client trusts and its host name check.
 */

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** X.509 v3 extensions of a CA certificate; `pathlen:0` for a subordinate that signs only leaves. */
export function caExtensions(options: { subordinate?: boolean } = {}): string {
  const constraints = options.subordinate ? 'CA:TRUE,pathlen:0' : 'CA:TRUE';
  return `basicConstraints=critical,${constraints}\nkeyUsage=critical,keyCertSign,cRLSign\n`;
}

/** X.509 v3 extensions of a server certificate for `dnsName`, as ACM issues a private one (server auth). */
export function serverExtensions(dnsName: string): string {
  return `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:${dnsName}\n`;
}

export interface TestPki {
  readonly dir: string;
  /** A self-signed root CA `<name>.pem` / `<name>.key` (EC P-256), its subject `CN=<commonName>`. */
  rootCa(name: string, commonName?: string): void;
  /** `<name>.pem` / `<name>.key` signed by `issuer`, with the given extensions. */
  signed(name: string, issuer: string, extensions: string, serial: number): void;
  /** A file's text, e.g. `read('private-ca.pem')`. */
  read(file: string): string;
  /** Removes the temp dir. */
  remove(): void;
}

/** A PKI in a new temp dir under the OS temp folder, made with `openssl` (its path from requireBinaries). */
export function testPki(openssl: string, prefix: string): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  return {
    dir,
    rootCa(name, commonName = name) {
      run([
        'req',
        '-x509',
        ...EC_KEY,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
        '-subj',
        `/CN=${commonName}`,
        '-days',
        '2',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ]);
    },
    signed(name, issuer, extensions, serial) {
      run(['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
      fs.writeFileSync(path.join(dir, `${name}.ext`), `${extensions}subjectKeyIdentifier=hash\n`);
      run([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        `${issuer}.pem`,
        '-CAkey',
        `${issuer}.key`,
        '-set_serial',
        String(serial),
        '-days',
        '2',
        '-out',
        `${name}.pem`,
        '-extfile',
        `${name}.ext`,
      ]);
    },
    read: (file) => fs.readFileSync(path.join(dir, file), 'utf8'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsTerminator {
  /** `https://localhost:<port>` (the test certificates name `localhost`). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Stands in for an NLB's TLS listener: terminates TLS 1.2+ with `key` and `certChain` (leaf first, then the CAs, as
 * ACM serves a private certificate's chain) and forwards the plain bytes to `127.0.0.1:<backendPort>`. What it
 * reproduces is the client's side of the handshake, not the NLB's security policy or ACM.
 */
export async function startTlsTerminator(options: {
  readonly key: string;
  readonly certChain: readonly string[];
  readonly backendPort: number;
}): Promise<TlsTerminator> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    { key: options.key, cert: options.certChain.join(''), minVersion: 'TLSv1.2' },
    (socket) => {
      const backend = net.connect(options.backendPort, '127.0.0.1');
      sockets.add(socket).add(backend);
      socket.pipe(backend).pipe(socket);
      socket.on('error', () => backend.destroy());
      backend.on('error', () => socket.destroy());
      backend.on('close', () => sockets.delete(backend));
    },
  );
  // A refused handshake is what some tests expect; the client reports it.
  server.on('tlsClientError', () => undefined);
  const { port, close } = await listenOnLoopback(server, sockets);
  return { url: `https://localhost:${port}`, close };
}

/**
 * The servers a client TLS test checks its client against, each a TLS terminator in front of `backendPort` with
 * `pki`'s `private-ca.pem`, `other-ca.pem` and `subordinate-ca.pem` to trust:
 * - `trustedUrl`: a certificate for `localhost` from the private CA;
 * - `wrongNameUrl`: a certificate from the private CA for `wrongName`, not `localhost`;
 * - `subordinateUrl`: a certificate from a subordinate CA under `root-ca`, served with its chain up to the root, as
 *   an organisation's AWS Private CA often is.
 */
export interface ClientTlsServers {
  readonly pki: TestPki;
  readonly trustedUrl: string;
  readonly wrongNameUrl: string;
  readonly subordinateUrl: string;
  /** Stops the terminators and removes the PKI's temp dir. */
  close(): Promise<void>;
}

/** Makes the PKI (in a temp dir named from `prefix`) and starts the terminators of {@link ClientTlsServers}. */
export async function startClientTlsServers(options: {
  readonly openssl: string;
  readonly prefix: string;
  readonly backendPort: number;
  /** The DNS name of the wrong-name certificate. */
  readonly wrongName: string;
}): Promise<ClientTlsServers> {
  const pki = testPki(options.openssl, options.prefix);
  const terminators: TlsTerminator[] = [];
  const close = async () => {
    await Promise.all(terminators.map((t) => t.close()));
    pki.remove();
  };
  const terminator = async (key: string, certChain: string[]) => {
    const started = await startTlsTerminator({
      key: pki.read(key),
      certChain: certChain.map((file) => pki.read(file)),
      backendPort: options.backendPort,
    });
    terminators.push(started);
    return started.url;
  };
  try {
    pki.rootCa('private-ca');
    pki.rootCa('other-ca');
    pki.signed('server', 'private-ca', serverExtensions('localhost'), 1);
    pki.signed('wrong-name', 'private-ca', serverExtensions(options.wrongName), 2);
    pki.rootCa('root-ca');
    pki.signed('subordinate-ca', 'root-ca', caExtensions({ subordinate: true }), 3);
    pki.signed('server-of-subordinate', 'subordinate-ca', serverExtensions('localhost'), 4);
    return {
      pki,
      trustedUrl: await terminator('server.key', ['server.pem']),
      wrongNameUrl: await terminator('wrong-name.key', ['wrong-name.pem']),
      subordinateUrl: await terminator('server-of-subordinate.key', [
        'server-of-subordinate.pem',
        'subordinate-ca.pem',
        'root-ca.pem',
      ]),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A running backend the {@link ClientTlsServers} forward to. */
export interface TlsBackend {
  readonly port: number;
  stop(): Promise<void>;
}

/** What {@link clientTlsServersAround} hands a test file: read once its `beforeAll` has run. */
export interface ClientTlsFixture<B extends TlsBackend> {
  readonly backend: B;
  readonly trustedUrl: string;
  readonly wrongNameUrl: string;
  readonly subordinateUrl: string;
  /** A file of the PKI, e.g. `read('private-ca.pem')`. */
  read(file: string): string;
}

/**
 * In a test file: before all its tests, starts `backend` and {@link ClientTlsServers} in front of it; after them,
 * stops both and removes the PKI.
 */
export function clientTlsServersAround<B extends TlsBackend>(options: {
  readonly openssl: string;
  readonly prefix: string;
  readonly wrongName: string;
  readonly backend: () => Promise<B>;
}): ClientTlsFixture<B> {
  let backend: B | undefined;
  let servers: ClientTlsServers | undefined;
  const started = (): { backend: B; servers: ClientTlsServers } => {
    if (!backend || !servers) throw new Error('the TLS servers are not started: read them inside a test');
    return { backend, servers };
  };
  beforeAll(async () => {
    backend = await options.backend();
    servers = await startClientTlsServers({ ...options, backendPort: backend.port });
  });
  afterAll(async () => {
    await servers?.close();
    await backend?.stop();
  });
  return {
    get backend() {
      return started().backend;
    },
    get trustedUrl() {
      return started().servers.trustedUrl;
    },
    get wrongNameUrl() {
      return started().servers.wrongNameUrl;
    },
    get subordinateUrl() {
      return started().servers.subordinateUrl;
    },
    read: (file) => started().servers.pki.read(file),
  };
}
