/**
 * @module verify/smtp
 * Our SMTP client: what the verifier may use from this folder.
 */
export { runSmtpSession } from './session.ts';
export { ReplyReader, SmtpProtocolError, DEFAULT_REPLY_LIMITS, type ParsedReply, type ReplyLimits } from './reply-reader.ts';
export { parseProxyUrl, TransportError, type SocksProxy } from './transport.ts';
