/**
 * X.509 for the registry's own-CA TLS mode: a CA and serving certificates signed by it
 * (ECDSA P-256, as Go and browsers accept), in PEM, with @peculiar/x509 on Node's WebCrypto.
 * No I/O here: registry-tls.ts decides when to issue and where the PEM goes.
 */
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Issued this long before now, so a peer whose clock is a little behind accepts it. */
const BACKDATE_MS = 5 * 60_000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

const serial = () => {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f; // positive
  return bytes.toString('hex');
};

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A new CA certificate and key, valid for `days` from now. */
export async function createCa(commonName: string, days: number, now: Date): Promise<PemPair> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privatePem(keys.privateKey) };
}

/** A serving certificate for dnsNames (the first is also its common name), signed by the CA, valid for `days`. */
export async function issueServingCertificate(ca: PemPair, dnsNames: string[], days: number, now: Date): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(ca.keyPem)[0]!, ALG, false, ['sign']);
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${dnsNames[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privatePem(keys.privateKey) };
}

/** What a certificate is, as far as renewal cares. */
export interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
}

/** The certificate's validity and DNS names, when it parses and the CA signed it; else undefined. */
export function inspectServingCertificate(certPem: string, caPem: string): CertificateFacts | undefined {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return undefined;
    const dnsNames = (cert.subjectAltName ?? '').split(/,\s*/).filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
    return { notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo), dnsNames };
  } catch {
    return undefined;
  }
}

/** Whether a CA certificate and key parse, belong together, and the CA is valid at `now`. */
export function usableCa(ca: PemPair, now: Date): boolean {
  try {
    const cert = new X509Certificate(ca.certPem);
    if (!cert.ca || new Date(cert.validTo) <= now) return false;
    return cert.checkPrivateKey(createPrivateKey(ca.keyPem));
  } catch {
    return false;
  }
}
