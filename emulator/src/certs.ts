/**
 * TLS material for the twin: a throw-away CA and a server certificate for 127.0.0.1/localhost signed by it.
 * Keys come from node:crypto (fast); certificates are built with node-forge.
 */
import { constants, generateKeyPairSync, privateEncrypt, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface TlsMaterial {
  /** PEM of the self-signed CA certificate (what clients must trust). */
  caPem: string;
  /** PEM of the server certificate (SAN: IP 127.0.0.1, DNS localhost), signed by the CA. */
  certPem: string;
  /** PEM (PKCS#8) private key of the server certificate. */
  keyPem: string;
  /**
   * Issues another server certificate, signed by the same CA, for the same key (`keyPem`), whose SAN lists
   * 127.0.0.1, localhost and `hostnames` (DNS names; an IPv4 literal becomes an IP entry). Valid 1 day. Used to serve
   * real Azure/GitHub hostnames on loopback (./proxy.ts). Throws only on crypto failure.
   */
  issue(hostnames: string[]): string;
}

/** SHA-256 DigestInfo prefix (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * A forge-compatible signer that does the RSA operation in node:crypto (forge's pure-JS RSA takes seconds under
 * jest): RSASSA-PKCS1-v1_5 = private-key "encrypt" of DigestInfo(sha256) with PKCS#1 padding.
 */
function nodeSigner(keyPem: string): forge.pki.rsa.PrivateKey {
  return {
    sign: (md: forge.md.MessageDigest) =>
      privateEncrypt(
        { key: keyPem, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'binary')])
      ).toString('binary')
  } as unknown as forge.pki.rsa.PrivateKey;
}

function rsaPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; keyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: nodeSigner(privateKey),
    keyPem: privateKey
  };
}

function serial(): string {
  // Positive serial number: clear the top bit.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

/**
 * Creates a new CA (valid 1 day, CN "apim-function-auth twin CA") and a server certificate for 127.0.0.1 and
 * localhost (valid 1 day). Takes ~100 ms (two RSA-2048 key pairs from node:crypto). Throws only on crypto failure.
 */
export function makeTlsMaterial(): TlsMaterial {
  const now = new Date(Date.now() - 60_000);
  const later = new Date(Date.now() + 24 * 3600_000);

  const ca = rsaPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serial();
  caCert.validity.notBefore = now;
  caCert.validity.notAfter = later;
  const caAttrs = [{ name: 'commonName', value: 'apim-function-auth twin CA' }];
  caCert.setSubject(caAttrs);
  caCert.setIssuer(caAttrs);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' }
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const srv = rsaPair();
  const issue = (hostnames: string[]): string => {
    const cert = forge.pki.createCertificate();
    cert.publicKey = srv.publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = now;
    cert.validity.notAfter = later;
    cert.setSubject([{ name: 'commonName', value: hostnames[0] ?? '127.0.0.1' }]);
    cert.setIssuer(caAttrs);
    const names = [...new Set(['127.0.0.1', 'localhost', ...hostnames.map((h) => h.toLowerCase())])];
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n }))
      },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() }
    ]);
    cert.sign(ca.privateKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  };

  return { caPem: forge.pki.certificateToPem(caCert), certPem: issue([]), keyPem: srv.keyPem, issue };
}
