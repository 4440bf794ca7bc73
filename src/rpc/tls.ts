/**
 * TLS for the DB manager's ports (docs/security.md): a certificate chain and its private key in
 * PEM files. With them, the gRPC port serves HTTP/2 over TLS (ALPN h2) and the HTTP port HTTPS;
 * nothing is served in cleartext.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { invalidArgument } from '../api/errors.js';

/** PEM bytes of a certificate chain and its key, checked to be a pair. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Where the files came from, to name them in errors (`--tls-cert`, `KATIB_TLS_KEY`, ...). */
export interface TlsFields {
  cert: string;
  key: string;
}

/**
 * Reads and checks a certificate and key. Throws `invalid_argument` naming the field and the path
 * when a file cannot be read, is not PEM, or the key does not belong to the certificate.
 */
export function readTlsMaterial(
  certFile: string,
  keyFile: string,
  fields: TlsFields = { cert: 'tlsCert', key: 'tlsKey' },
): TlsMaterial {
  const cert = readPem(certFile, fields.cert, 'CERTIFICATE');
  const key = readPem(keyFile, fields.key, 'PRIVATE KEY');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw invalidArgument(
      fields.key,
      keyFile,
      `is not the private key of the certificate in ${certFile}: ${(err as Error).message}`,
    );
  }
  return { cert, key };
}

/**
 * A CA bundle (PEM) that clients trust the server's certificate by. Throws `invalid_argument`
 * naming `field` when unreadable or not PEM certificates.
 */
export function readCaFile(file: string, field: string): Buffer {
  return readPem(file, field, 'CERTIFICATE');
}

function readPem(file: string, field: string, label: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw invalidArgument(field, file, `cannot be read: ${(err as Error).message}`);
  }
  // "PRIVATE KEY" also matches "RSA PRIVATE KEY" and "EC PRIVATE KEY".
  if (!bytes.toString('latin1').includes(`${label}-----`))
    throw invalidArgument(field, file, `is not a PEM file with a ${label}`);
  return bytes;
}
