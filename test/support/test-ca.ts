/** A throwaway certificate authority and server certificates for 127.0.0.1, made with openssl. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const openssl = (args: string[], cwd: string) => promisify(execFile)('openssl', args, { cwd });

export interface TestCa {
  caFile: string;
  /** Issues a server certificate for 127.0.0.1, localhost and dnsNames; returns its files. */
  issue(name: string, dnsNames?: string[]): Promise<{ certFile: string; keyFile: string }>;
}

export async function createTestCa(dir: string): Promise<TestCa> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=go-registry test CA', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return {
    caFile: path.join(dir, 'ca.pem'),
    async issue(name, dnsNames = []) {
      await openssl(['req', ...ec, '-subj', '/CN=127.0.0.1', '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
      // SANs are what Go verifies; the common name is ignored.
      await writeFile(path.join(dir, `${name}.ext`), `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...dnsNames.map((d) => `DNS:${d}`)].join(',')}\nextendedKeyUsage=serverAuth\n`);
      await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
        '-out', `${name}.pem`, '-extfile', `${name}.ext`], dir);
      return { certFile: path.join(dir, `${name}.pem`), keyFile: path.join(dir, `${name}.key`) };
    },
  };
}
