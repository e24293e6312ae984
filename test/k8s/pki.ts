/**
 * Certificates for a test control plane, made with openssl: a cluster CA, the API
 * server's serving certificate, client certificates (admin in system:masters, the
 * controller manager) and the service-account signing key pair.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClusterPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function issue(dir: string, name: string, subject: string, extensions: string): Promise<[string, string]> {
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  await openssl(['req', ...EC, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  await writeFile(path.join(dir, `${name}.ext`), extensions);
  await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30',
    '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  return [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
}

export async function createClusterPki(dir: string): Promise<ClusterPki> {
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  await openssl(['req', '-x509', ...EC, '-days', '30', '-subj', '/CN=go-registry-test-cluster-ca', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  const serverSans = 'IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local';
  const [servingCert, servingKey] = await issue(dir, 'apiserver', '/CN=kube-apiserver', `subjectAltName=${serverSans}\nextendedKeyUsage=serverAuth\n`);
  const client = 'extendedKeyUsage=clientAuth\n';
  const [adminCert, adminKey] = await issue(dir, 'admin', '/O=system:masters/CN=admin', client);
  const [controllerManagerCert, controllerManagerKey] = await issue(dir, 'controller-manager', '/CN=system:kube-controller-manager', client);
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  await openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  return {
    caCert: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    servingCert,
    servingKey,
    adminCert,
    adminKey,
    controllerManagerCert,
    controllerManagerKey,
    serviceAccountKey: path.join(dir, 'sa.key'),
    serviceAccountPub: path.join(dir, 'sa.pub'),
  };
}

/** A kubeconfig for one client certificate. */
export function kubeconfig(server: string, caCert: string, user: string, cert: string, key: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    certificate-authority: ${caCert}
users:
- name: ${user}
  user:
    client-certificate: ${cert}
    client-key: ${key}
contexts:
- name: test
  context:
    cluster: test
    user: ${user}
current-context: test
`;
}
