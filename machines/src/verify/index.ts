/**
 * @module verify
 * The verifier's public surface: a library the CLI, the machines and the tests share.
 */
export { verify, randomLocalPart } from './verify.ts';
export { verifyGroup, verifyMany, groupKeyOf, type GroupItem, type VerifyManyOptions } from './verify-group.ts';
export { createMemoryCatchAllStore, probeKnowledge, type CatchAllStore, type CatchAllKnowledge } from './catch-all.ts';
export { verifyOptionsFrom, verifyOptionsFromEnv, systemNameservers } from './options.ts';
export { resolveProvider, providerForDomain, providerForMx, sessionCaps, PROVIDER_RULES, type ProviderRule } from './providers.ts';
export { classifyReply } from './replies.ts';
export type { VerifyOptions, MxLookup, SmtpSessionOutcome, ReplyClass, SessionCaps } from './types.ts';
