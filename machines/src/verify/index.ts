/**
 * @module verify
 * The verifier's public surface: a library the CLI, the machines and the tests share.
 */
export { verify, randomLocalPart } from './verify.ts';
export { verifyOptionsFrom, verifyOptionsFromEnv, systemNameservers } from './options.ts';
export { resolveProvider, providerForDomain, providerForMx, PROVIDER_RULES, type ProviderRule } from './providers.ts';
export { classifyReply } from './replies.ts';
export type { VerifyOptions, MxLookup, SmtpSessionOutcome, ReplyClass } from './types.ts';
