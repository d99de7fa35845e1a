/**
 * @module test/support/test-tls
 * Test-only TLS material for loopback SMTP servers that offer or require STARTTLS: a
 * self-signed certificate for mx.self-signed.test (as many real MX hosts have: a name that
 * is not theirs, no CA), valid 100 years. Regenerate with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj "/CN=mx.self-signed.test" -keyout mx-self-signed.key.pem -out mx-self-signed.cert.pem`.
 */
import { readFileSync } from 'node:fs';

const file = (name: string): string => readFileSync(new URL(`./tls/${name}`, import.meta.url), 'utf8');

export const SELF_SIGNED_MX = { key: file('mx-self-signed.key.pem'), cert: file('mx-self-signed.cert.pem') } as const;
