/**
 * @module verify/replies
 * Pure: what one SMTP reply says about the mailbox. Evidence in order: the basic
 * code, well-known reply texts that beat or correct the enhanced code, the RFC 3463
 * enhanced status code, then weaker reply texts. A rejection about us (our IP, HELO,
 * rDNS, reputation: 'policy') or about our reverse path (MAIL FROM's address or domain:
 * 'sender') is never turned into "no such mailbox".
 */
import type { ReplyClass } from './types.ts';

/** The parts of an SMTP reply the classifier reads (an `SmtpReply` fits). */
export interface ReplyLike {
  code: number;
  /** Reply text without the basic code; multi-line replies joined with "\n". */
  text: string;
  /** The enhanced code if the client already parsed it; re-checked, and parsed from `text` when absent. */
  enhanced?: string | null;
}

/** A known reply text. Data, not code: the list order is the priority. */
export interface ReplyPattern {
  /** Stable name, reported as evidence and used by the tests. */
  id: string;
  class: ReplyClass;
  /** Tested against `normalizeReplyText(text)`: lower case, single spaces, per-line enhanced codes removed. */
  match: RegExp;
  /**
   * `override`: tried before the enhanced code (texts that are more specific than it, or that
   * well-known servers send with a misleading code). `fallback`: tried when the enhanced code decides nothing.
   */
  stage: 'override' | 'fallback';
  /** Only replies whose basic code is 4xx (4) or 5xx (5). */
  codeClass?: 4 | 5;
  /** Only these exact basic codes. */
  codes?: readonly number[];
  /** Only when the reply's enhanced code matches (never matches a reply without one). */
  enhanced?: RegExp;
}

/** What an RFC 3463 enhanced code decides on its own. Codes not listed decide nothing. */
export interface EnhancedRule {
  code: RegExp;
  class: ReplyClass;
}

export const ENHANCED_RULES: readonly EnhancedRule[] = [
  // 5.1.0 other address status, 5.1.1 bad mailbox, 5.1.3 bad mailbox syntax, 5.1.6 moved (no forwarding),
  // 5.1.10 Exchange RecipientNotFound. Only 5.x.x: Postfix answers "450 4.1.1 ... unverified address:
  // Address verification in progress" while it does not know yet, so a 4.1.1 proves nothing.
  { code: /^5\.1\.(?:0|1|3|6|10)$/, class: 'no_mailbox' },
  // x.1.7 / x.1.8: bad sender address or sender domain, i.e. our MAIL FROM, not the mailbox.
  { code: /^[45]\.1\.[78]$/, class: 'sender' },
  // 5.2.1 mailbox disabled. Not 4.2.1: Gmail's "450 4.2.1 ... receiving mail too quickly" is a rate limit.
  { code: /^5\.2\.1$/, class: 'disabled' },
  // x.2.2 mailbox full (Gmail sends both 452 4.2.2 and 552 5.2.2). Not 5.2.3: message too big.
  { code: /^[45]\.2\.2$/, class: 'full' },
  // Exchange Online 5.2.121 / 5.2.122: this recipient received more than its hourly limit; it exists.
  { code: /^[45]\.2\.12[12]$/, class: 'rate_limited' },
  // RFC 7372: x.7.20-22 DKIM, x.7.23/24 SPF, x.7.26 several authentication checks, x.7.27 sender domain has
  // a null MX: all about our MAIL FROM domain. (x.7.25, reverse DNS, is about our IP: below.)
  { code: /^[45]\.7\.(?:2[0-4]|2[67])$/, class: 'sender' },
  // x.7.x security or policy status: our IP, rDNS, reputation, authentication.
  { code: /^[45]\.7\.\d{1,3}$/, class: 'policy' },
];

/** Texts saying the recipient's account is disabled, suspended, locked, inactive or frozen; never "your account" or a sender's. */
const ACCOUNT_DISABLED = new RegExp(
  [
    // "<subject> ... is/has been [temporarily] disabled", never "your account" or "sender account"
    "(?<!your |sender'?s? |sending )\\b(?:account|mailbox|user|inbox|recipient|addressee|e-?mail address)\\b(?:[^.;:!]|\\.(?=\\S)){0,60}?\\b(?:(?:is|has been|was|are) )?(?:(?:temporar(?:y|ily)|permanently|currently|now) )?(?:disabled|deactivated|suspended|inactive|locked|frozen|terminated|discontinued)\\b",
    '\\b(?:disabled|deactivated|suspended|inactive|locked|frozen) (?:recipient|account|mailbox|user|e-?mail address|address)\\b',
    "\\brecipient(?:'s)? account is blocked\\b",
    'account closed',
  ].join('|'),
);

/** Texts saying the mailbox does not exist. */
const NO_SUCH_MAILBOX = new RegExp(
  [
    'user unknown',
    'unknown user',
    'addressee unknown',
    'recipient unknown',
    '\\bmailbox \\S+ unknown',
    'no such (?:user|mailbox|recipient|person)',
    "(?:does not|doesn't|dosn't|not) exist",
    "doesn't have an? (?:\\S+ )?account",
    'mailbox not found',
    'recipient not found',
    'user not found',
    'address could not be found',
    'no user record',
    'user invalid',
    'invalid user',
    '(?:unknown|invalid) recipient',
    'recipient invalid',
    'invalid (?:email )?address',
    'invalid mailbox',
    'not a valid mailbox',
    'no mailbox here',
    'mailbox unallocated',
    'unknown local part',
    'unrouteable address',
    'not our customer',
    'not in my validrcptto list',
    'marked as invalid',
  ].join('|'),
);

/**
 * Known reply texts, each with the real reply it came from. Sources: Reacher's
 * core/src/smtp/parser.rs, Sisimai's labelled bounce corpus, the replies Postfix, Exim,
 * qmail and Haraka send (their sources and regression output), provider postmaster pages
 * and bug reports; the full replies are test cases in test/data/reply-examples.ts.
 */
export const REPLY_PATTERNS: readonly ReplyPattern[] = [
  // ---- The server takes mail only over TLS and this connection had none (STARTTLS off, or the handshake failed and
  // the plaintext retry met this). Not our IP, not the mailbox; first, since it comes as 5.7.0/5.7.3 (policy otherwise).
  {
    // 530 5.7.0 Must issue a STARTTLS command first   (Postfix smtpd_tls_security_level = encrypt, sendmail, OpenSMTPD; RFC 3207 4)
    // 530 5.7.0 Must issue a STARTTLS command first. x - gsmtp   (Gmail)
    // 451 5.7.3 Must issue a STARTTLS command first   (vSMTP)
    // 451 STARTTLS is required for this sender - psmtp   (Postini)
    // 451 5.7.3 STARTTLS is required to send mail   (Exchange)
    id: 'tls-required',
    class: 'tls_required',
    stage: 'override',
    match: /must issue a starttls command|\bstarttls (?:is )?required\b|\b(?:tls|encryption) (?:is )?required\b|\brequires? (?:tls|starttls|encryption)\b/,
  },
  // ---- The named recipient receives mail faster than it may: only an existing mailbox has a receiving rate.
  // Before the enhanced code, because Gmail sends one of them as 5.2.1, which would otherwise read as "disabled".
  {
    // 550 5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.
    // 450 4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time.
    // 554 5.2.122 The recipient has exceeded their limit for the number of messages they can receive per hour.   (Outlook.com)
    id: 'recipient-rate-limited',
    class: 'rate_limited',
    stage: 'override',
    match: /receiving mail (?:too quickly|at a rate)|recipient has exceeded (?:their|its) limit for the number of messages/,
  },

  // ---- A restriction the recipient (or its group) puts on who may write to it: it is not about our IP, and the
  // address is not missing, whatever the code (Facebook sends 5.1.1, Exchange 5.7.133).
  {
    // 550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Delivery restriction check failed ...
    // 550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes?ip=192.0.2.135#rcp Refused due to recipient preferences
    id: 'recipient-restriction',
    class: 'unknown',
    stage: 'override',
    match: /\bresolver\.rst\.|delivery restriction check failed|refused due to recipient preferences/,
  },

  // ---- Rate limits on us (our IP's connections, messages or recipients): about us, whatever code comes with
  // them (GoDaddy sends one as 550 5.1.1, which would otherwise read as "no such mailbox").
  {
    // 550 5.1.1 <user@example.test> - 203.0.113.222 has sent to too many recipients this hour. IB607
    // 451 4.7.650 The mail server [192.0.2.25] has been temporarily rate limited due to IP reputation.
    // 550 Ip frequency limited [...] / 452 4.3.2 Connection rate limit exceeded.
    // 421 4.7.0 mx.example.test Error: too many connections from 192.0.2.1   (Postfix anvil)
    // 450 4.7.1 Error: too much mail from 192.0.2.1   (Postfix anvil)
    // 452 Too many recipients received this hour   (Proofpoint)
    id: 'client-rate-limit',
    class: 'policy',
    stage: 'override',
    match:
      /has sent (?:to )?too many|too many (?:connections|recipients|messages|mails?) from\b|too much mail from\b|too many recipients received|\brate limit(?:ed| exceeded)|frequency limited/,
  },

  // ---- Policy texts about our IP, host name or HELO. First, so that nothing below can turn them into a
  // mailbox verdict, and so they beat greylisting ("no reverse DNS ... you are greylisted").
  {
    // 554 5.7.1 <mta.voipdir.net[]>: Client host rejected: Access denied
    // 450 4.7.1 Client host rejected: cannot find your hostname, [...]
    // 554 5.7.1 Service unavailable; Client host [37.x.y.z] blocked using zen.spamhaus.org; ...
    id: 'client-host',
    class: 'policy',
    stage: 'override',
    match: /\bclient host\b/,
  },
  {
    // 550 5.7.25 The IP address sending this message does not have a PTR record setup, ...
    // You dont seem to have a reverse dns entry. Come back later. You are greylisted for 20 minutes. ...
    // 554 resimta-po-02v.sys.comcast.net comcast 192.0.2.1 Comcast requires that all mail servers must have a PTR record ...
    // 5.7.1 Relaying denied. IP name possibly forged [45.154.35.252]
    // 550 5.7.1 Connections not accepted from servers without a valid sender domain. ... Fix reverse DNS for 104.245.209.199
    id: 'reverse-dns',
    class: 'policy',
    stage: 'override',
    match: /reverse dns|reverse hostname|cannot find your hostname|\bptr record|\brdns\b|ip name possibly forged/,
  },
  {
    // 504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname   (our HELO name)
    // 450 4.7.1 <foo.>: Helo command rejected: Host not found   (Postfix reject_unknown_helo_hostname)
    // 550 HELO denied   (Haraka)
    id: 'helo-rejected',
    class: 'policy',
    stage: 'override',
    match: /\bhelo command rejected|\bhelo domain\b|\b(?:helo|ehlo) (?:host ?name|name)\b|\b(?:helo|ehlo) denied\b/,
  },

  // ---- About our reverse path (FROM_EMAIL's address or domain), not our IP and not the mailbox: the operator
  // fixes the sender domain (its MX, SPF, DMARC), not the IP. Before the blocklist texts, so "Sender address
  // [...] blocked using dbl.spamhaus.org" names the sender domain; before the mailbox texts, because sender
  // verification replies quote the reason the *sender* failed ("No Such User Here", "Unrouteable address").
  {
    // 450 4.1.8 <foo@bad.domain>: Sender address rejected: Domain not found   (Postfix reject_unknown_sender_domain)
    // 550 5.1.0 <baz@example.com>: Sender address rejected: User unknown in local recipient table   (Postfix)
    // 553 5.1.8 Domain of sender address sender@example.test does not exist   (sendmail)
    // 550-Verification failed for <x@example.test>\n550-Unrouteable address\n550 Sender verify failed   (Exim)
    // 550 5.1.0 <bounce@example.test> sender rejected. ... AUP#CDRBL   (Cox)
    // 550 5.7.1 Service unavailable, MailFrom domain is listed in Spamhaus.   (Outlook)
    // 550 5.7.509 Access denied, sending domain [EXAMPLE.JP] does not pass DMARC verification ...   (Microsoft 365)
    // 554 Mail from nekonyaan@example.net rejected for policy reasons.
    // 550 5.2.0 <x@example.test> From: Domain is invalid. Please provide a valid From: IB506   (GoDaddy)
    // 550 5.7.1 can't determine Purported Responsible Address   (Courier, Sender ID)
    // 550 sender <probe@example.test> denied   (Haraka)
    // 553 sorry, your envelope sender domain must exist (#5.7.1)   (qmail)
    id: 'sender-address',
    class: 'sender',
    stage: 'override',
    match:
      /\bsender address\b|\bsender domain\b|\bmail ?from domain\b|\bsending domain\b|\bdomain of sender\b|sender verify|\bverification failed for <|\bsender (?:was )?rejected\b|\bmail from <?[^\s<>@]+@[^\s<>]+>? rejected|\bfrom: domain is invalid|purported responsible address|unauthenticated senders?\b|\bsender <[^>]*> denied\b|\benvelope sender\b/,
  },
  {
    // 550 <example@example.com>: Reject due to SPF policy. The originating IP of the message is not permitted by the domain owner
    // 550 5.2.0 Message rejected due to DMARC. Please see http://postmaster.comcast.net/smtp-error-codes.php#DM000001
    // 550 Bad SPF records for [example.org:192.0.2.2], see http://spf.pobox.com/
    // 550 DMARC check failed.   (QQ)
    id: 'sender-authentication',
    class: 'sender',
    stage: 'override',
    match: /\bdmarc\b|\bspf\b|\bdkim\b|unauthenticated email|sender policy framework/,
  },

  // ---- Other policy texts that name our IP's standing: blocklists, reputation, bans.
  {
    // 554 Service unavailable; Client host [...] blocked using Barracuda Reputation; ...
    // 550 5.7.0 Mail from 18.234.87.196 refused by Proofpoint Reputation Services. ...
    // 554 ... 5.135.185.166 found on one or more DNSBLs, see http://postmaster.comcast.net/...
    // smtp-fw-9107.amazon.com; SBRS score too low: http://www.senderbase.org/
    id: 'named-blocklist',
    class: 'policy',
    stage: 'override',
    match:
      /spamhaus|spamcop|barracuda|abusix|sorbs|uceprotect|hostkarma|junkemailfilter|cloudmark|senderscore|\bdnsbls?\b|\brbl\b|proofpoint|trend micro|sbrs score/,
  },
  {
    // gmx.net (mxgmx117) Nemesis ESMTP Service not available\nNo SMTP service\nIP address is block listed. ...
    // 5.7.1 IP address blacklisted by recipient
    id: 'blocklisted',
    class: 'policy',
    stage: 'override',
    match: /\b(?:black|block)[ -]?list/,
  },
  {
    // csi.mimecast.org Poor Reputation Sender. - https://community.mimecast.com/docs/DOC-1369#550 ...
    id: 'reputation',
    class: 'policy',
    stage: 'override',
    match: /\breputation\b/,
  },
  {
    // 550 5.7.606 Access denied, banned sending IP [x.xx.xx.xx]. ... (AS16012609)
    id: 'banned-ip',
    class: 'policy',
    stage: 'override',
    match: /\bbanned\b/,
  },
  {
    // 421 4.7.0 Our system has detected an unusual rate of unsolicited mail originating from your IP address. ...
    id: 'unsolicited',
    class: 'policy',
    stage: 'override',
    match: /unsolicited/,
  },
  {
    // 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; ...
    id: 'yahoo-deferred',
    class: 'policy',
    stage: 'override',
    match: /\[tss?\d+\]|user complaints/,
  },
  {
    // 521 5.2.1 : (CON:B1) http://postmaster.info.aol.com/errors/554conb1.html   (AOL: our IP, sent as 5.2.1)
    id: 'aol-block',
    class: 'policy',
    stage: 'override',
    match: /\b(?:con|rtr|hvu|rly|dyn|ipt|isp|htm|fsv|gen|sdi|dns):[a-z]{1,2}\d?\b|postmaster\.(?:info\.)?aol\.com\/errors/,
  },
  {
    // 421 4.7.1 Intrusion prevention active for [173.203.70.224][S]
    id: 'intrusion-prevention',
    class: 'policy',
    stage: 'override',
    match: /intrusion prevention/,
  },

  // ---- postscreen (Postfix): "450 4.3.2 Service currently unavailable" to RCPT while a client has not yet passed
  // its after-greeting tests; it is let through when it comes back, as with greylisting. As 550/521 5.3.2 it is
  // the DNSBL or blocklist verdict on our IP (postscreen.c, postscreen_state.c).
  {
    // 450 4.3.2 Service currently unavailable
    id: 'postscreen-deferred',
    class: 'greylisted',
    stage: 'override',
    codeClass: 4,
    match: /^service currently unavailable$/,
  },
  {
    // 550 5.3.2 Service currently unavailable / 521 5.3.2 Service currently unavailable
    id: 'postscreen-rejected',
    class: 'policy',
    stage: 'override',
    codeClass: 5,
    match: /^service currently unavailable$/,
  },

  // ---- Microsoft 365 Directory-Based Edge Blocking: the recipient is not in the tenant's directory.
  // Worded like a policy rejection, but it is the mailbox that does not exist.
  {
    // 550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [...prod.protection.outlook.com]
    id: 'm365-dbeb',
    class: 'no_mailbox',
    stage: 'override',
    codeClass: 5,
    match: /as\(201806281\)/,
  },
  {
    // 550 5.4.1 [email@example.com]: Recipient address rejected: Access denied [example.com]
    id: 'm365-dbeb-541',
    class: 'no_mailbox',
    stage: 'override',
    codeClass: 5,
    enhanced: /^5\.4\.1$/,
    match: /recipient address rejected: access denied/,
  },

  // ---- The host takes mail only from its own authenticated users (a submission server, not an MX for strangers):
  // not about our IP, so not policy, although it comes as 5.7.x; for us it is a host that does not take this mail.
  {
    // 530 5.7.0 Authentication required   (Postfix/sendmail with smtpd_sender_restrictions = permit_sasl_authenticated, reject)
    // 530 5.7.57 Client not authenticated to send mail. [...]   (Exchange Online, SMTP AUTH endpoint)
    // 530 5.7.1 Client was not authenticated   (Exchange)
    id: 'authentication-required',
    class: 'relay_denied',
    stage: 'override',
    match: /^authentication required\b|\bclient (?:was )?not authenticated\b|\bmust authenticate\b|\bplease authenticate\b/,
  },

  // ---- The MX does not take mail for this domain.
  {
    // 554 5.7.1 <user@example.test>: Relay access denied
    // 550 5.7.1 Unable to relay
    // 550 User not local or invalid address – Relay denied
    // 5.7.1 Relaying denied: You must check for new mail before sending mail. [23.129.64.216]
    // relay not permitted!
    // 550 I cannot deliver mail for <user@example.test>   (Haraka: no rcpt plugin takes this domain)
    // 553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)   (qmail)
    id: 'relay-denied',
    class: 'relay_denied',
    stage: 'override',
    match: /relay access denied|unable to relay|relaying denied|relay(?:ing)? not permitted|relay denied|user not local|\bi cannot deliver (?:mail )?for\b|list of allowed rcpthosts|\bwe don't relay\b/,
  },

  // A per-recipient rule (Postfix check_recipient_access, Trend Micro directory check) outside the
  // Microsoft form above: about this recipient, not our IP, yet not proof the mailbox is missing.
  {
    // 554 5.7.1 <user@example.test>: Recipient address rejected: Access denied.
    id: 'recipient-access-denied',
    class: 'unknown',
    stage: 'override',
    codeClass: 5,
    match: /recipient address rejected: access denied/,
  },

  // ---- Greylisting, named as such (some of these texts mention "spam", hence before the generic policy words).
  {
    // 450 4.2.0 <user@example.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/...
    // 450 4.2.0 <user@example.test>: Recipient address rejected: Delayed by postgrey
    // 451 4.7.1 Greylisting in action, try again later
    // 451 This server employs greylisting as a means of reducing spam. ...
    id: 'greylisted',
    class: 'greylisted',
    stage: 'override',
    codeClass: 4,
    match: /gr[ae]y-?list|postgrey/,
  },

  // ---- The recipient's account is disabled, suspended, locked, inactive or frozen, in whatever words: these
  // beat the enhanced code (5.7.13, 5.5.0, 5.1.1 all seen) and the generic policy words below ("The recipient
  // account is blocked"). Never "your account" or a sender's: that would be about us.
  {
    // 550 5.2.1 The email account that you tried to reach is disabled. ...   (Gmail)
    // 550 5.2.1 The email account that you tried to reach is inactive.   (Gmail)
    // 550 Message was not accepted -- invalid mailbox. Local mailbox example@mail.ru is unavailable: account is disabled
    // 554 delivery error: dd Sorry your message to ... cannot be delivered. This account has been disabled or discontinued
    // 550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked.   (Orange)
    // 550 5.7.1 <user@example.test>: Recipient address rejected: User user@example.test temporary locked.
    // 525 5.7.13 Disabled recipient address / 550 5.1.1 <user@icloud.com>: inactive email address
    // 550 Mailbox is frozen.   (i.ua) / 552 5.2.1 <user@anonaddy.me>: Recipient address rejected: User disabled
    // 550 : Recipient address rejected: Account Closed   (Lycos)
    id: 'account-disabled',
    class: 'disabled',
    stage: 'override',
    codeClass: 5,
    match: ACCOUNT_DISABLED,
  },

  // The same words in a 4xx: the server itself says "not now", so they prove nothing yet, and a 4.7.x in
  // front does not make them about us.
  {
    // 450 4.1.1 <user@example.test>: Recipient address rejected: User unknown in virtual alias table
    // 450 4.7.1 <user@example.test>: Recipient address rejected: User temporarily locked
    id: 'recipient-deferred',
    class: 'temporary',
    stage: 'override',
    codeClass: 4,
    match: new RegExp(`${ACCOUNT_DISABLED.source}|${NO_SUCH_MAILBOX.source}`),
  },

  // ---- Generic policy words: still about us, but less specific than the ones above.
  {
    // 451 4.7.1 Access denied by DCC
    // 550 Blocked   (Barracuda)
    // 554 imta14.emeryville.ca.mail.comcast.net comcast 192.0.2.2 Comcast block for spam.
    // sorry, mail from your location [5.79.109.48] is administratively denied (#5.7.1)
    // Connection rejected by policy [7.3] 38206, please visit https://support.symantec.com/...
    // JunkMail rejected - (gmail.com) [193.218.118.140]:46615 is in an RBL: ...
    // 554 Your mail is not welcome here   (Haraka, connect-time refusal)
    id: 'policy-words',
    class: 'policy',
    stage: 'override',
    match:
      /access denied|\bblock(?:ed)?\b|\bspam\b|junkmail|administratively denied|not yet authorized|rejected by policy|policy rejection|local policy|connection rejected|\bnot welcome\b/,
  },

  // ---- The server's own trouble: not the mailbox, not us.
  {
    // 421 4.7.0 Temporary System Problem. Try again later.
    // 451 example.yahoo.com Resources temporarily unavailable. Please try again later [#4.16.1].
    // 452 4.3.1 Insufficient system storage   (the server's disk, not the user's quota)
    // 451 Internal resource temporarily unavailable - http://www.mimecast.com/knowledgebase/KBID10473.htm#451
    id: 'server-trouble',
    class: 'temporary',
    stage: 'override',
    codeClass: 4,
    match: /temporary system problem|resources? temporarily unavailable|insufficient system storage/,
  },

  // ---- Texts that clearly say the mailbox does not exist: these beat the enhanced code, 5.7.x included
  // (Yandex sends "550 5.7.1 No such user!", AT&T "550 5.2.1 ... Addressee unknown"): a 5.7.x about the
  // recipient is about the mailbox, not about us.
  {
    // 550 5.1.1 The email account that you tried to reach does not exist. ...   (Gmail)
    // 550 5.1.1 <user@example.test>: Recipient address rejected: User unknown in local recipient table   (Postfix)
    // 550 Unrouteable address   (Exim)
    // 554 delivery error: dd This user doesn't have a yahoo.com account ...   (Yahoo)
    // 550 5.1.1 Not our Customer   (Comcast)
    // 550 Invalid recipient <user@example.test> (#5.1.1)   (Symantec)
    // 554 Sorry, no mailbox here by that name. (#5.1.1)   (qmail)
    // 550 5.7.1 No such user!   (Yandex)
    id: 'no-such-mailbox',
    class: 'no_mailbox',
    stage: 'override',
    codeClass: 5,
    match: NO_SUCH_MAILBOX,
  },

  // ---- Greylisting without the word: a deferral asking us to come back (postgrey-style 450/451).
  {
    // 451 Temporary local problem - please try later   (Exim)
    // 451 4.7.1 Service unavailable - try again later   (iCloud)
    id: 'try-later',
    class: 'greylisted',
    stage: 'override',
    codes: [450, 451],
    match: /\btry (?:again )?later\b/,
  },

  // ---- Fallbacks: only when the enhanced code decided nothing.
  {
    // 554 delivery error: dd Sorry, your message to ... cannot be delivered. This account is over quota.
    // 552 Requested mail action aborted: exceeded storage allocation
    // 550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.
    // 550 Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server.
    id: 'mailbox-full',
    class: 'full',
    stage: 'fallback',
    match:
      /over ?quota|quota exceeded|mailbox (?:is )?full|full mailbox|storage allocation|exhausted allowed storage|too many messages/,
  },
  {
    // 550 5.5.0 Requested action not taken: mailbox unavailable.   (Outlook.com / Hotmail)
    // 5.5.0 Requested actions not taken as the mailbox is unavailable
    // 550 Address rejected
    // 5.1.1 <user@example.test> Address Error
    id: 'mailbox-unavailable',
    class: 'no_mailbox',
    stage: 'fallback',
    codeClass: 5,
    match: /mailbox (?:is )?unavailable|\baddress rejected\b|recipient rejected|address error|undeliverable|no longer available/,
  },
];

// An enhanced code at the start of a line; "5.135.185.166" (an IP) is not one.
const ENHANCED_AT_START = /^\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\d|\.\d)/;

/**
 * The RFC 3463 enhanced status code at the start of the reply text (the text after the basic
 * code), e.g. "5.1.1". With `code`, a class digit that disagrees with the basic code is ignored.
 */
export function parseEnhancedCode(text: string, code?: number): string | null {
  // Most lines (EHLO keywords, banners) start with a letter: no regex for them.
  const first = text.charCodeAt(0);
  if (first > 0x20 && first < 0x7f && first !== 0x32 && first !== 0x34 && first !== 0x35) return null;
  const m = ENHANCED_AT_START.exec(text);
  if (!m) return null;
  if (code !== undefined && m[1] !== String(Math.trunc(code / 100))) return null;
  // 5.01.1 and 5.1.1 are the same code (RFC 3463 numbers, not strings).
  return `${m[1]}.${Number(m[2])}.${Number(m[3])}`;
}

/** The text the patterns see: repeated per-line codes gone (Gmail), one space, lower case, plain apostrophes. */
export function normalizeReplyText(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(ENHANCED_AT_START, ''))
    .join(' ')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Which evidence decided: the basic code, an enhanced code, a pattern id, or the 4xx/5xx default. */
export interface ReplyExplanation {
  class: ReplyClass;
  evidence: 'basic_code' | 'default' | `enhanced:${string}` | `pattern:${string}`;
  enhanced: string | null;
}

function applies(p: ReplyPattern, code: number, enhanced: string | null, text: string): boolean {
  if (p.codeClass !== undefined && Math.trunc(code / 100) !== p.codeClass) return false;
  if (p.codes && !p.codes.includes(code)) return false;
  if (p.enhanced && (enhanced === null || !p.enhanced.test(enhanced))) return false;
  return p.match.test(text);
}

/** Classify a reply and say why (for logs and tests). */
export function explainReply(reply: ReplyLike): ReplyExplanation {
  const { code } = reply;
  const enhanced =
    (reply.enhanced ? parseEnhancedCode(reply.enhanced, code) : null) ?? parseEnhancedCode(reply.text, code);
  // 252 "Cannot VRFY user, but will accept message and attempt delivery" (RFC 5321 3.5.3): not proof of a mailbox.
  if (code === 252) return { class: 'cannot_verify', evidence: 'basic_code', enhanced };
  if (code >= 200 && code < 300) return { class: 'accepted', evidence: 'basic_code', enhanced };
  // 1xx/3xx are not answers to RCPT; anything outside 2xx-5xx is not SMTP.
  if (code < 400 || code >= 600) return { class: 'unknown', evidence: 'basic_code', enhanced };

  const text = normalizeReplyText(reply.text);
  const byPattern = (stage: ReplyPattern['stage']): ReplyExplanation | null => {
    for (const p of REPLY_PATTERNS) {
      if (p.stage === stage && applies(p, code, enhanced, text)) {
        return { class: p.class, evidence: `pattern:${p.id}`, enhanced };
      }
    }
    return null;
  };

  const decided = ((): ReplyExplanation => {
    const override = byPattern('override');
    if (override) return override;
    if (enhanced) {
      const rule = ENHANCED_RULES.find((r) => r.code.test(enhanced));
      if (rule) return { class: rule.class, evidence: `enhanced:${enhanced}`, enhanced };
    }
    const fallback = byPattern('fallback');
    if (fallback) return fallback;
    return { class: code < 500 ? 'temporary' : 'unknown', evidence: 'default', enhanced };
  })();
  // 521 (RFC 7504) refuses the whole host, not one mailbox: AOL sends its IP blocks as "521 5.2.1".
  if (code === 521 && MAILBOX_CLASSES.has(decided.class)) return { class: 'policy', evidence: 'basic_code', enhanced };
  return decided;
}

/** Classes that are a verdict on the mailbox itself. */
const MAILBOX_CLASSES: ReadonlySet<ReplyClass> = new Set<ReplyClass>(['no_mailbox', 'disabled', 'full', 'rate_limited']);

/** What a single SMTP reply means for the address. */
export function classifyReply(reply: ReplyLike): ReplyClass {
  return explainReply(reply).class;
}
