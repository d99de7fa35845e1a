/**
 * @module test/data/reply-examples
 * Real SMTP replies and the class each must get: the evidence behind REPLY_PATTERNS.
 * Text is as our client hands it over: basic code split off, continuation lines joined with "\n"
 * and their "550-" prefixes removed. Recipient addresses of private people are replaced with
 * example.test ones; everything else is verbatim from the source named.
 */
import type { ReplyClass } from '../../machines/src/verify/types.ts';

export interface ReplyExample {
  code: number;
  text: string;
  expected: ReplyClass;
  /** Where the reply was seen. */
  source: string;
}

const REACHER = 'reacherhq/check-if-email-exists core/src/smtp/parser.rs';
const SFM_550 = 'ActiveCampaign/smtp-field-manual src/data/codes/550.json';
const MANTA = 'MantaMTA tests, SMTP log lines from its SNT1 servers';
const GOOGLE = 'support.google.com/a/answer/3726730 (Gmail SMTP errors and codes)';
const SMTP_CODES = 'smtp.codes';
/** Real bounces collected by the Sisimai project; the reply is the Diagnostic-Code of the named message. */
const SISIMAI = (file: string) => `sisimai/set-of-emails maildir/bsd/${file}`;
/** Postfix's own regression output: the replies its smtpd sends. */
const POSTFIX_REF = 'vdukhovni/postfix src/smtpd/smtpd_check.ref';
const QMAIL = 'qmail-smtpd.c, jms1 combined patch v7.08';

export const REPLY_EXAMPLES: readonly ReplyExample[] = [
  // ---- accepted
  { code: 250, text: '2.1.5 OK g8si5593977eet.3 - gsmtp', expected: 'accepted', source: 'Gmail RCPT answer' },
  { code: 250, text: 'ok dirdel', expected: 'accepted', source: 'help.yahoo.com SLN3444' },

  // ---- no such mailbox
  {
    code: 550,
    text:
      '5.1.1 The email account that you tried to reach does not exist. Please try\n' +
      "5.1.1 double-checking the recipient's email address for typos or\n" +
      '5.1.1 unnecessary spaces. Learn more at\n' +
      '5.1.1 http://support.google.com/mail/bin/answer.py?answer=6596 g8si5593977eet.3 - gsmtp',
    expected: 'no_mailbox',
    source: `${MANTA} (Gmail, multi-line)`,
  },
  { code: 550, text: '5.1.1 <example@icloud.com>: user does not exist', expected: 'no_mailbox', source: `${SFM_550} (iCloud)` },
  { code: 550, text: '5.1.1 <example@zoho.com> User unknown', expected: 'no_mailbox', source: `${SFM_550} (Zoho)` },
  { code: 550, text: '5.1.1 Not our Customer', expected: 'no_mailbox', source: `${SFM_550} (Comcast)` },
  {
    code: 550,
    text: '5.1.1 <example@comcast.net> recipient mailbox unallocated',
    expected: 'no_mailbox',
    source: `${SFM_550} (Comcast)`,
  },
  {
    code: 550,
    text: '5.2.1 <EXAMPLE@PRODIGY.NET>... Addressee unknown, relay=[x.xx.xx.xx]',
    expected: 'no_mailbox',
    source: `${SFM_550} (AT&T: text beats its 5.2.1)`,
  },
  {
    code: 550,
    text: '5.2.1 <example@prodigy.net>... blank mailhost - invalid address, relay=[x.xx.xx.xx]',
    expected: 'no_mailbox',
    source: `${SFM_550} (AT&T)`,
  },
  { code: 550, text: '5.7.1 No such user!', expected: 'no_mailbox', source: `${SFM_550} (Yandex: 5.7.1 that clearly says no user)` },
  {
    code: 554,
    text: '5.7.1 : Recipient address rejected: User unknown',
    expected: 'no_mailbox',
    source: 'support.onesystems.ch, frequent error messages (Postfix, 5.7.1 that clearly says no user)',
  },
  {
    code: 550,
    text: '5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
    expected: 'no_mailbox',
    source: 'Exchange Online NDR 5.1.10 (coldrelay.com reference)',
  },
  {
    code: 550,
    text: '5.4.1 Recipient address rejected: Access denied. AS(201806281)',
    expected: 'no_mailbox',
    source: 'Microsoft 365 Directory-Based Edge Blocking (suped.com, AS(201806281) bounce)',
  },
  {
    code: 550,
    text: '5.4.1 [email@example.com]: Recipient address rejected: Access denied [example.com]',
    expected: 'no_mailbox',
    source: `${SMTP_CODES}/exchangeonline (DBEB without the AS code)`,
  },
  {
    code: 550,
    text: '5.5.0 Requested action not taken: mailbox unavailable. [#.eop-nam12.prod.protection.outlook.com]',
    expected: 'no_mailbox',
    source: `${SFM_550} (Outlook.com)`,
  },
  {
    code: 550,
    text: '<example@example.com>: Requested action not taken: mailbox unavailable',
    expected: 'no_mailbox',
    source: `${SMTP_CODES}/unitedinternet (GMX, web.de)`,
  },
  {
    code: 554,
    text: "delivery error: dd This user doesn't have a yahoo.com account ({recipients'userid}@yahoo.com).",
    expected: 'no_mailbox',
    source: 'help.yahoo.com abuse-57 (Yahoo Mail)',
  },
  { code: 550, text: 'Unrouteable address', expected: 'no_mailbox', source: 'Exim test suite 0092 ("rejected RCPT ...: Unrouteable address")' },
  {
    code: 550,
    text: 'Invalid recipient <user@example.test>\n(#5.1.1)',
    expected: 'no_mailbox',
    source: 'Broadcom KB 165163 (Symantec Email Security.cloud)',
  },
  { code: 554, text: 'Sorry, no mailbox here by that name. (#5.1.1)', expected: 'no_mailbox', source: 'sitepackage.de bounce list (qmail)' },
  { code: 550, text: 'MAILBOX NOT FOUND', expected: 'no_mailbox', source: 'sitepackage.de bounce list (AOL)' },
  {
    code: 550,
    text: 'cuda_nsu 5.1.1 <email@example.com> Recipient address rejected: User unknown',
    expected: 'no_mailbox',
    source: `${SMTP_CODES}/550 (Barracuda: enhanced code not at the start)`,
  },
  { code: 550, text: 'No such user (email@example.com)', expected: 'no_mailbox', source: `${SMTP_CODES}/550 (Barracuda)` },
  {
    code: 550,
    text: '5.1.1 <user@example.test>: Recipient address rejected: User unknown in virtual alias table',
    expected: 'no_mailbox',
    source: REACHER,
  },
  { code: 550, text: '5.1.1 MXIN501 mailbox foo@bar.baz unknown', expected: 'no_mailbox', source: `${REACHER} (Virgin Media)` },
  {
    code: 550,
    text: '5.1.1 RCP-P1 Domain facebook.com no longer available https://www.facebook.com/postmaster/response_codes?ip=3.80.111.155#RCP-P1',
    expected: 'no_mailbox',
    source: `${REACHER} (Facebook)`,
  },
  {
    code: 550,
    text: '5.1.1 <user@example.test>: user lookup success but no user record found',
    expected: 'no_mailbox',
    source: 'status.socketlabs.com incident 306 (iCloud)',
  },
  { code: 550, text: 'Address rejected', expected: 'no_mailbox', source: REACHER },
  { code: 550, text: '5.1.1 <user@example.test> Address Error', expected: 'no_mailbox', source: `${REACHER} (@lucidity.co.za)` },
  {
    code: 550,
    text: 'Requested actions not taken as the mailbox is unavailable',
    expected: 'no_mailbox',
    source: `${REACHER} (@etu.uca.fr; its 5.5.0 dropped)`,
  },

  // ---- disabled
  {
    code: 550,
    text: '5.2.1 The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser - gsmtp',
    expected: 'disabled',
    source: `${SFM_550} (Gmail)`,
  },
  {
    code: 554,
    text: 'The email account that you tried to reach is disabled. Learn more at https://support.google.com/mail/?p=DisabledUser',
    expected: 'disabled',
    source: `${REACHER} (Gmail, no enhanced code)`,
  },
  {
    code: 550,
    text: 'Message was not accepted -- invalid mailbox. Local mailbox example@mail.ru is unavailable: account is disabled',
    expected: 'disabled',
    source: `${SFM_550} (Mail.ru)`,
  },
  {
    code: 554,
    text: 'delivery error: dd Sorry your message to %email@domain.tld% cannot be delivered. This account has been disabled or discontinued',
    expected: 'disabled',
    source: 'sitepackage.de bounce list (Yahoo)',
  },
  { code: 550, text: '5.2.1 ... User is inactive', expected: 'disabled', source: 'sitepackage.de bounce list (GMX)' },
  { code: 550, text: ': Recipient address rejected: Account Closed', expected: 'disabled', source: 'sitepackage.de bounce list (Lycos)' },
  {
    code: 550,
    text: '5.2.1 RACT MY.IP: Mailbox is inactive: <USER@hanmail.net>',
    expected: 'disabled',
    source: `${REACHER} (hanmail.net)`,
  },

  // ---- full
  {
    code: 452,
    text: '4.2.2 The email account that you tried to reach is over quota.',
    expected: 'full',
    source: 'suped.com on Gmail 452 4.2.2',
  },
  {
    code: 552,
    text: '5.2.2 The email account that you tried to reach is over quota.',
    expected: 'full',
    source: 'cloudmailin.com SMTP troubleshooter 552 (Gmail)',
  },
  { code: 552, text: '5.2.2 Over STORAGE quota', expected: 'full', source: 'sitepackage.de bounce list (T-Online)' },
  {
    code: 554,
    text: "delivery error: dd Sorry, your message to ({recipients'userid}@yahoo.com) cannot be delivered. This account is over quota.",
    expected: 'full',
    source: 'help.yahoo.com abuse-57 (Yahoo Mail)',
  },
  {
    code: 552,
    text: 'Requested mail action aborted: exceeded storage allocation',
    expected: 'full',
    source: 'chilipepperweb.net mail quota page (Hotmail)',
  },
  {
    code: 550,
    text: 'Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.',
    expected: 'full',
    source: 'sitepackage.de bounce list (web.de)',
  },
  {
    code: 550,
    text: 'Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server.',
    expected: 'full',
    source: 'sitepackage.de bounce list (web.de)',
  },

  // ---- greylisted
  {
    code: 450,
    text: '4.2.0 <user@example.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/email.co.uk.html',
    expected: 'greylisted',
    source: 'schweikert/postgrey issue #107',
  },
  {
    code: 450,
    text: '4.2.0 <recipient@domain.com>: Recipient address rejected: Delayed by postgrey',
    expected: 'greylisted',
    source: 'docker-mailserver/docker-mailserver issue #1397',
  },
  { code: 451, text: '4.7.1 Greylisting in action, try again later', expected: 'greylisted', source: 'rspamd greylist reply in a Postfix log' },
  { code: 451, text: 'Greylisted', expected: 'greylisted', source: MANTA },
  {
    code: 451,
    text: 'This server employs greylisting as a means of reducing spam. Your message has been delayed and will be accepted later.',
    expected: 'greylisted',
    source: `${MANTA} (mentions spam, still greylisting)`,
  },
  { code: 451, text: 'Temporary local problem - please try later', expected: 'greylisted', source: 'Exim default defer message' },
  { code: 451, text: '4.7.1 Service unavailable - try again later', expected: 'greylisted', source: `${MANTA}; ${SMTP_CODES}/icloud` },

  // ---- temporary
  {
    code: 450,
    text:
      '4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend your message at a later time. ' +
      'If the user is able to receive mail at that time, your message will be delivered. For more information, review this article.',
    expected: 'rate_limited',
    source: `${GOOGLE} (the named user receives too fast: it exists)`,
  },
  {
    code: 550,
    text:
      '5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. ' +
      'For more information, please visit https://support.google.com/mail/?p=ReceivingRatePerm - gsmtp',
    expected: 'rate_limited',
    source: `${SFM_550} (Gmail: 5.2.1 that is a rate limit on an existing user)`,
  },
  { code: 421, text: '4.7.0 Temporary System Problem. Try again later.', expected: 'temporary', source: GOOGLE },
  {
    code: 451,
    text: 'example.yahoo.com Resources temporarily unavailable. Please try again later [#4.16.1].',
    expected: 'temporary',
    source: `${SMTP_CODES}/yahoo`,
  },
  { code: 452, text: '4.3.1 Insufficient system storage', expected: 'temporary', source: `${MANTA} (the server's disk, not a full mailbox)` },
  {
    code: 451,
    text: 'Internal resource temporarily unavailable - http://www.mimecast.com/knowledgebase/KBID10473.htm#451',
    expected: 'temporary',
    source: `${MANTA} (Mimecast)`,
  },
  { code: 451, text: 'Requested action aborted: local error in processing (code: 11)', expected: 'temporary', source: MANTA },
  {
    code: 450,
    text:
      '4.1.1 <user@example.test>: Recipient address rejected: unverified address: connect to mailgate.example.test[193.195.220.67]: Connection timed out',
    expected: 'temporary',
    source: `${MANTA} (Postfix address verification could not decide)`,
  },
  {
    code: 450,
    text: '4.1.1 <user@example.test>: Recipient address rejected: User unknown in virtual mailbox table',
    expected: 'temporary',
    source: `${MANTA} (a 4xx: the server itself says retry)`,
  },

  // ---- policy: about our IP, host or sender domain
  {
    code: 421,
    text:
      '4.7.0 Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, ' +
      'mail sent from your IP address has been temporarily blocked. For more information, visit Prevent mail to Gmail users from being blocked or sent to spam.',
    expected: 'policy',
    source: GOOGLE,
  },
  // The recipient domain demands TLS: about the connection we offered, not our IP (was 'policy' before STARTTLS existed).
  { code: 421, text: '4.7.0 TLS required for RCPT domain, closing connection.', expected: 'tls_required', source: GOOGLE },
  {
    code: 550,
    text:
      '5.7.25 The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not match the sending IP. ' +
      'As a policy, Gmail does not accept messages from IPs with missing PTR records.',
    expected: 'policy',
    source: 'spamresource.com, 550 5.7.25 at Gmail ("does not" here is about our PTR, not the mailbox)',
  },
  {
    code: 550,
    text:
      '5.7.1 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy. Please contact the administrator of example.com domain ' +
      'if this was a legitimate mail. Please visit https://support.google.com/mail/answer/2451690 to learn about the DMARC initiative. - gsmtp',
    expected: 'sender',
    source: `${SFM_550} (Gmail: DMARC of our MAIL FROM domain)`,
  },
  {
    code: 550,
    text: '5.7.1 Service unavailable, Client host [x.xx.xx.xx] blocked using Spamhaus. (AS16012611)',
    expected: 'policy',
    source: `${SMTP_CODES}/exchangeonline`,
  },
  {
    code: 550,
    text:
      '5.7.606 Access denied, banned sending IP [x.xx.xx.xx]. To request removal from this list please visit and follow the directions. ' +
      'For more information please go to (AS16012609)',
    expected: 'policy',
    source: 'smtpfieldmanual.com/spamfilter/exchangeonline',
  },
  {
    code: 550,
    text:
      '5.7.1 Service unavailable, MailFrom domain is listed in Spamhaus. To request removal from this list see https://www.spamhaus.org/query/lookup/ (S8002) ' +
      '[#.eop-nam02.prod.protection.outlook.com]',
    expected: 'sender',
    source: `${SFM_550} (Outlook)`,
  },
  {
    code: 554,
    text:
      '5.7.1 Service unavailable; Client host [37.x.y.z] blocked using zen.spamhaus.org; Error: open resolver; https://www.spamhaus.org/returnc/pub/44.192.176.0',
    expected: 'policy',
    source: 'MailScanner/v5 issue #634 (Postfix + Spamhaus)',
  },
  {
    code: 554,
    text:
      'Service unavailable; Client host [bl11-253-215.dsl.telepac.pt] blocked using\nBarracuda Reputation;\n' +
      'http://www.barracudanetworks.com/reputation/?r=1&ip=85.244.xxx.yyy',
    expected: 'policy',
    source: 'getconversio/email-deep-validator PR #20 (Barracuda, multi-line)',
  },
  { code: 550, text: 'Blocked', expected: 'policy', source: `${SMTP_CODES}/550 (Barracuda)` },
  {
    code: 554,
    text: 'gmx.net (mxgmx117) Nemesis ESMTP Service not available\nNo SMTP service\nIP address is block listed.\nFor explanation visit https://www.gmx.net/mail/senderguidelines?c=bl',
    expected: 'policy',
    source: `${REACHER} (GMX, multi-line)`,
  },
  {
    code: 554,
    text: '5.7.1 <mta.voipdir.net[]>: Client host rejected: Access denied',
    expected: 'policy',
    source: `${REACHER} (its test: must not be invalid)`,
  },
  {
    code: 450,
    text: '4.7.1 Client host rejected: cannot find your hostname, [192.0.2.10]',
    expected: 'policy',
    source: 'support.onesystems.ch (Postfix reject_unknown_client_hostname; a 4xx, still about us)',
  },
  {
    code: 450,
    text:
      'You dont seem to have a reverse dns entry. Come back later. You are greylisted for 20 minutes. See http://www.fsf.org/about/systems/greylisting',
    expected: 'policy',
    source: `${REACHER} (fsf.org: policy beats greylisting)`,
  },
  {
    code: 550,
    text: '5.7.1 Relaying denied. IP name possibly forged [45.154.35.252]',
    expected: 'policy',
    source: `${REACHER} (sendmail: about our rDNS, not relaying)`,
  },
  {
    code: 554,
    text:
      'resimta-po-02v.sys.comcast.net comcast 192.0.2.1 Comcast requires that all mail servers must have a PTR record with a valid Reverse DNS entry.',
    expected: 'policy',
    source: 'ActiveCampaign/smtp-field-manual PR #65 (Comcast)',
  },
  {
    code: 554,
    text: 'imta14.emeryville.ca.mail.comcast.net comcast 192.0.2.2 Comcast block for spam.',
    expected: 'policy',
    source: 'ActiveCampaign/smtp-field-manual PR #65 (Comcast)',
  },
  {
    code: 554,
    text:
      'resimta-h1p-037598.sys.comcast.net resimta-h1p-037598.sys.comcast.net 5.135.185.166 found on one or more DNSBLs, ' +
      'see http://postmaster.comcast.net/smtp-error-codes.php#BL000001',
    expected: 'policy',
    source: `${REACHER} (Comcast)`,
  },
  {
    code: 550,
    text: '5.2.0 Message rejected due to DMARC. Please see http://postmaster.comcast.net/smtp-error-codes.php#DM000001',
    expected: 'sender',
    source: `${SFM_550} (Comcast)`,
  },
  {
    code: 421,
    text:
      '4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes',
    expected: 'policy',
    source: 'cPanel support article, Exim log of a Yahoo deferral',
  },
  {
    code: 550,
    text: '5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137',
    expected: 'policy',
    source: `${SFM_550} (iCloud)`,
  },
  {
    code: 550,
    text: '5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL -- see https://www.spamhaus.org/dbl/',
    expected: 'policy',
    source: `${SFM_550} (iCloud)`,
  },
  {
    code: 421,
    text: '4.7.1 Messages to example@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137',
    expected: 'policy',
    source: `${SMTP_CODES}/icloud (a 421, so not greylisting)`,
  },
  {
    code: 550,
    text: '5.7.0 Mail from 18.234.87.196 refused by Proofpoint Reputation Services. SENDER please see and take action: https://support.proofpoint.com/dnsbl-lookup.cgi?18.234.87.196',
    expected: 'policy',
    source: `${REACHER} (@lmco.com)`,
  },
  {
    code: 550,
    text: 'csi.mimecast.org Poor Reputation Sender. - https://community.mimecast.com/docs/DOC-1369#550 [6ATVl4DjOvSA6XNsWGoUFw.us31]',
    expected: 'policy',
    source: `${REACHER} (Mimecast)`,
  },
  {
    code: 554,
    text: 'sorry, mail from your location [5.79.109.48] is administratively denied (#5.7.1)',
    expected: 'policy',
    source: REACHER,
  },
  {
    code: 454,
    text:
      '4.7.1 Temp Spam Reject; Client host [173.203.70.224] deferred using hostkarma.junkemailfilter.com=127.0.0.2; ' +
      'Black listed at hostkarma http://ipadmin.junkemailfilter.com/remove.php?ip=173.203.70.224',
    expected: 'policy',
    source: MANTA,
  },
  { code: 421, text: '4.7.1 Intrusion prevention active for [173.203.70.224][S]', expected: 'policy', source: MANTA },
  { code: 451, text: '4.7.1 Access denied by DCC', expected: 'policy', source: MANTA },
  {
    code: 553,
    text: '5.1.8 Domain of sender address sender@example.test does not exist',
    expected: 'sender',
    source: 'sendmail cf/m4/proto.m4 check_mail ruleset (our MAIL FROM, not the mailbox)',
  },
  {
    code: 550,
    text: '<example@example.com>: Reject due to SPF policy. The originating IP of the message is not permitted by the domain owner',
    expected: 'sender',
    source: `${SMTP_CODES}/unitedinternet (GMX, web.de)`,
  },
  {
    code: 550,
    text: '5.7.1 Connections not accepted from servers without a valid sender domain.alph758 Fix reverse DNS for 104.245.209.199',
    expected: 'policy',
    source: `${SFM_550} (AT&T)`,
  },
  {
    code: 550,
    text: '5.7.1 Policy rejection on the target address',
    expected: 'policy',
    source: `${SFM_550} (Yandex)`,
  },
  {
    code: 550,
    text:
      'spam message rejected. Please visit http://help.mail.ru/notspam-support/id?c=7y4ytdHbuOGv3O50NYTwpz1F-TVIpnactxtFPeFQSDYMAAAAaKgAAOX_3hE~ ' +
      'or report details to abuse@corp.mail.ru. Error code: B5322EEFE1B8DBD174EEDCAFA7F0843535F9453D9C76A6483D451BB7364850E1. ID: #',
    expected: 'policy',
    source: `${SFM_550} (Mail.ru)`,
  },

  {
    code: 504,
    text: '5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname',
    expected: 'policy',
    source: 'Postfix reject_non_fqdn_helo_hostname (postconf(5))',
  },
  {
    code: 550,
    text: '5.1.1 <user@example.test>: Email address could not be found, or was misspelled (G8)',
    expected: 'no_mailbox',
    source: `${REACHER} (@biotech-calendar.com)`,
  },

  // ---- relay denied: the MX does not take mail for the domain
  { code: 554, text: '5.7.1 <user@example.test>: Relay access denied', expected: 'relay_denied', source: 'Postfix reject_unauth_destination (support.onesystems.ch)' },
  {
    code: 554,
    text: '<user@example.test>: Recipient address rejected: Relay access denied',
    expected: 'relay_denied',
    source: 'antionline.com thread (Postfix, "Recipient address rejected" yet a relay refusal)',
  },
  { code: 454, text: '4.7.1 <user@example.test>: Relay access denied', expected: 'relay_denied', source: `${REACHER} (transient form)` },
  { code: 550, text: '5.7.1 Unable to relay', expected: 'relay_denied', source: 'Exchange NDR 550 5.7.1 Unable to relay (simplefastwebsites.com)' },
  {
    code: 550,
    text: 'User not local or invalid address – Relay denied',
    expected: 'relay_denied',
    source: REACHER,
  },
  {
    code: 550,
    text: '5.7.1 Relaying denied: You must check for new mail before sending mail. [23.129.64.216]',
    expected: 'relay_denied',
    source: REACHER,
  },
  { code: 550, text: 'relay not permitted!', expected: 'relay_denied', source: REACHER },

  // ---- unknown: a 5xx that says nothing about the mailbox
  {
    code: 552,
    text: "5.2.3 Your message exceeded Google's message size limits.",
    expected: 'unknown',
    source: 'cloudmailin.com SMTP troubleshooter 552 (message too big, not a full mailbox)',
  },
  {
    code: 554,
    text: '5.7.1 <user@example.test>: Recipient address rejected: Access denied.',
    expected: 'unknown',
    source: 'Trend Micro HES KB 1053962 (per-recipient rule: neither our IP nor proof of no mailbox)',
  },
  { code: 554, text: 'Transaction failed', expected: 'unknown', source: 'RFC 5321 554 reply text' },

  // ==== Round 3: classes still missed on real servers (issue 10) ====

  // ---- the named recipient receives mail too fast: it exists (deliverable, reason deliverable_rate_limited)
  {
    code: 550,
    text:
      '5.2.1 The user you are trying to contact is receiving mail at a rate that\n' +
      '5.2.1 prevents additional messages from being delivered. For more\n' +
      '5.2.1 information, please visit\n' +
      '5.2.1 https://support.google.com/mail/?p=ReceivingRatePerm p131si8414989oif.118 - gsmtp',
    expected: 'rate_limited',
    source: `${SISIMAI('lhost-postfix-59.eml')} (Gmail, multi-line 5.2.1)`,
  },
  {
    code: 450,
    text:
      '4.2.1 The user you are trying to contact is receiving mail at a rate that\n' +
      '4.2.1 prevents additional messages from being delivered. Please resend your\n' +
      '4.2.1 message at a later time. If the user is able to receive mail at that\n' +
      '4.2.1 time, your message will be delivered. For more information, please\n' +
      '4.2.1 visit\n' +
      '4.2.1  https://support.google.com/mail/?p=ReceivingRate i5-v6si6014457oii.19 - gsmtp',
    expected: 'rate_limited',
    source: 'Taura, "Emails forwarding to Gmail got significantly delayed" (eidos.ic.i.u-tokyo.ac.jp lab notes, Postfix log, in reply to RCPT TO)',
  },
  {
    code: 554,
    text:
      '5.2.122 The recipient has exceeded their limit for the number of messages they can receive per hour. ' +
      '[MWH0EPF000A6735.namprd04.prod.outlook.com 2026-04-15T07:56:32.710Z 08DE978C908158E9]',
    expected: 'rate_limited',
    source: 'tux.re forum t=48 (Outlook.com, in reply to RCPT TO)',
  },

  // ---- 252: the server will take the message but cannot say whether the mailbox exists
  {
    code: 252,
    text: 'Cannot VRFY user, but will accept message and attempt delivery',
    expected: 'cannot_verify',
    source: 'RFC 5321 4.2.2 reply text; greenmail-mail-test/greenmail VrfyCommand.java',
  },
  { code: 252, text: '2.0.0 Will attempt delivery', expected: 'cannot_verify', source: 'kura/blackhole docs (VRFY)' },
  { code: 252, text: 'Cannot VRFY user; try RCPT to attemt delivery.', expected: 'cannot_verify', source: 'voodoodyne/subetha VerifyCommand.java' },

  // ---- the server takes mail only over TLS (tls_required): not about our IP, never opens the breaker
  { code: 530, text: '5.7.0 Must issue a STARTTLS command first', expected: 'tls_required', source: 'vdukhovni/postfix src/smtpd/smtpd.c (smtpd_tls_security_level = encrypt, MAIL FROM before STARTTLS)' },
  {
    code: 530,
    text: '5.7.0 Must issue a STARTTLS command first',
    expected: 'tls_required',
    source: 'OpenSMTPD usr.sbin/smtpd/smtp_session.c (listener with F_STARTTLS_REQUIRE)',
  },
  { code: 530, text: '5.7.0 Must issue a STARTTLS command first.', expected: 'tls_required', source: 'smtp-reply parser tests, a Gmail (mx.google.com) reply' },
  {
    code: 530,
    text: '5.7.0 Must issue a STARTTLS command first',
    expected: 'tls_required',
    source: 'postfix bounce from smtphm.sympatico.ca[65.54.191.190] "in reply to MAIL FROM command", forum post 2005-02-17',
  },
  { code: 530, text: 'Must issue a STARTTLS command first', expected: 'tls_required', source: 'RFC 3207 section 4 (the reply a server requiring TLS SHOULD send)' },
  { code: 451, text: '5.7.3 Must issue a STARTTLS command first', expected: 'tls_required', source: 'vSMTP docs, filter.vsl rule deny(code(451, "5.7.3", ...)) for unsecured transactions' },
  { code: 451, text: 'STARTTLS is required for this sender - psmtp', expected: 'tls_required', source: 'snapblox.com knowledgebase 176 (Postini / Google Message Security policy-enforced TLS)' },
  { code: 451, text: '5.7.3 STARTTLS is required to send mail', expected: 'tls_required', source: 'woshub.com "5.7.3 STARTTLS is required to send mail" (Exchange, as quoted in Exchange Online message tracking)' },
  // ... and the look-alikes that are about SMTP AUTH, not TLS: a host for its own users, not an MX for strangers
  { code: 530, text: '5.7.0 Authentication required', expected: 'relay_denied', source: 'wormly.com answers 167 ("the server only allows authenticated messages")' },
  {
    code: 530,
    text: '5.7.57 Client not authenticated to send mail. Error: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.',
    expected: 'relay_denied',
    source: 'learn.microsoft.com Exchange Online SMTP AUTH client submission errors (5.7.57)',
  },

  // ---- about our reverse path (sender_rejected): the operator fixes FROM_EMAIL's domain
  {
    code: 450,
    text: '4.1.8 <foo@bad.domain>: Sender address rejected: Domain not found',
    expected: 'sender',
    source: `${POSTFIX_REF} (reject_unknown_sender_domain)`,
  },
  {
    code: 550,
    text: '5.1.0 <baz@example.com>: Sender address rejected: User unknown in local recipient table',
    expected: 'sender',
    source: `${POSTFIX_REF} (reject_unlisted_sender: "User unknown" is about the sender)`,
  },
  {
    code: 550,
    text: '5.7.27 <user@nullmx.porcupine.org>: Sender address rejected: Domain nullmx.porcupine.org does not accept mail (nullMX)',
    expected: 'sender',
    source: POSTFIX_REF,
  },
  { code: 554, text: '5.7.1 <foo@www.porcupine.org>: Sender address rejected: Access denied', expected: 'sender', source: `${POSTFIX_REF} (check_sender_access)` },
  { code: 501, text: '5.1.8 Sender address rejected', expected: 'sender', source: `${SISIMAI('rhost-gsuite-11.eml')} (Google Workspace)` },
  {
    code: 550,
    text:
      '5.1.0 <010001725d8ad4fc-9fe8fb1f-0292-430b-a634-1eba65166dbb-000000@amazonses.com> sender rejected. ' +
      'Please see https://www.spectrum.net/support/internet/understanding-email-error-codes for more information. AUP#In-1310',
    expected: 'sender',
    source: `${SISIMAI('rhost-spectrum-01.eml')} (Spectrum: a 5.1.0 about the sender, not the mailbox)`,
  },
  {
    code: 550,
    text:
      '5.1.0 <bounce@mailer.cnt1.example.com> sender rejected. Refer to Error Codes section at ' +
      'https://www.cox.com/residential/support/email-error-codes.html for more information. AUP#CDRBL',
    expected: 'sender',
    source: `${SISIMAI('rhost-cox-01.eml')} (Cox)`,
  },
  {
    code: 550,
    text: 'Verification failed for <tyhyow@psrp.airpay.co.in>\nUnrouteable address\nSender verify failed',
    expected: 'sender',
    source: 'postalserver/postal issue #342 (Exim sender callout: "Unrouteable address" is about the sender)',
  },
  {
    code: 550,
    text: 'Verification failed for <minesh@sender.xxx>\nNo Such User Here\nSender verify failed',
    expected: 'sender',
    source: 'mailcow/mailcow-dockerized issue #2544 (Exim/cPanel: "No Such User Here" is the sender)',
  },
  { code: 550, text: 'Verification failed for <my@domain.com> Sender verify failed', expected: 'sender', source: 'haraka/Haraka issue #3346' },
  {
    code: 550,
    text: '5.2.0 <tyhyow@psrp.airpay.co.in> From: Domain is invalid. Please provide a valid From: IB506 <http://x.co/srbounce>',
    expected: 'sender',
    source: 'postalserver/postal issue #342 (GoDaddy)',
  },
  {
    code: 550,
    text: "5.1.0 192.0.2.222 is not allowed to send from <example.net> per it's SPF Record. Please inspect your SPF settings, and try again. IB508  <http://x.co/srbounce>",
    expected: 'sender',
    source: `${SISIMAI('lhost-office365-03.eml')} (GoDaddy: SPF of our MAIL FROM domain, in a 5.1.0)`,
  },
  {
    code: 550,
    text:
      '5.7.26 The MAIL FROM domain [mail4.example.com] has an SPF record with a\n' +
      '5.7.26 hard fail policy (-all) but it fails to pass SPF checks with the ip:\n' +
      '5.7.26 [192.0.2.24]. To best protect our users from spam and phishing,\n' +
      '5.7.26 the message has been blocked. For instructions on setting up\n' +
      '5.7.26 authentication, go to\n' +
      '5.7.26 https://support.google.com/mail/answer/81126#authentication 2-222222630d46222222b002b2d2neko2cat2222222cat.22 - gsmtp',
    expected: 'sender',
    source: `${SISIMAI('rhost-google-03.eml')} (Gmail, multi-line; "blocked" and "spam" here are about our SPF)`,
  },
  {
    code: 550,
    text:
      '5.7.509 Access denied, sending domain [EXAMPLE.JP] does not pass DMARC verification and has a DMARC policy of reject. ' +
      '[7FQL1BDY0XZ5XGTW.JPNP222.PROD.OUTLOOK.COM 2024-04-29T23:34:45.000Z NG5X6YLY2QZK8T7B]',
    expected: 'sender',
    source: `${SISIMAI('rhost-microsoft-04.eml')} (Microsoft 365)`,
  },
  { code: 550, text: 'Bad SPF records for [example.org:192.0.2.2], see http://spf.pobox.com/', expected: 'sender', source: SISIMAI('lhost-exim-29.eml') },
  { code: 550, text: 'DMARC check failed. http://service.mail.qq.com/cgi-bin/help?subtype=1&&no=1001508&&id=16.', expected: 'sender', source: `${SISIMAI('rhost-tencent-03.eml')} (QQ)` },
  { code: 554, text: 'Mail from nekonyaan@example.net rejected for policy reasons.', expected: 'sender', source: SISIMAI('rfc3464-03.eml') },
  { code: 550, text: "5.7.1 can't determine Purported Responsible Address", expected: 'sender', source: `${SISIMAI('lhost-courier-03.eml')} (Courier, Sender ID)` },
  { code: 550, text: 'Unauthenticated senders not allowed', expected: 'sender', source: SISIMAI('lhost-postfix-65.eml') },

  // ---- about our IP or HELO (blocked_by_policy): the operator fixes the IP, its rDNS, the HELO name or a listing
  {
    code: 550,
    text: '5.1.1 <kijitora@example.com>  - 203.0.113.222 has sent to too many recipients this hour. IB607  <http://x.co/rlbounce>',
    expected: 'policy',
    source: `${SISIMAI('rhost-godaddy-03.eml')} (GoDaddy: a rate limit on our IP in a 5.1.1, never "no mailbox")`,
  },
  {
    code: 451,
    text:
      '4.7.650 The mail server [192.0.2.25] has been temporarily rate limited due to IP reputation. ' +
      'For e-mail delivery information, see https://postmaster.live.com (S3113)',
    expected: 'policy',
    source: `${SISIMAI('rhost-microsoft-05.eml')} (Outlook.com)`,
  },
  {
    code: 550,
    text: 'Ip frequency limited [V2VkIEFwciAgMyAxNjozNjo1OSBKU1QgMjAxOQo=/RkNGMjlFQTVEQ0E Blocked IP 192.0.2.22]. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725',
    expected: 'policy',
    source: `${SISIMAI('rhost-tencent-01.eml')} (QQ)`,
  },
  { code: 452, text: '4.3.2 Connection rate limit exceeded.', expected: 'policy', source: SISIMAI('lhost-postfix-09.eml') },
  { code: 421, text: '4.7.0 mx.example.test Error: too many connections from 192.0.2.1', expected: 'policy', source: 'vdukhovni/postfix src/smtpd/smtpd.c (anvil connection count/rate limit)' },
  { code: 450, text: '4.7.1 Error: too much mail from 192.0.2.1', expected: 'policy', source: 'vdukhovni/postfix src/smtpd/smtpd.c (smtpd_client_message_rate_limit)' },
  { code: 452, text: 'Too many recipients received this hour', expected: 'policy', source: 'suped.com, "452 Too many recipients received this hour" (Proofpoint)' },
  { code: 450, text: '4.7.1 <foo.>: Helo command rejected: Host not found', expected: 'policy', source: `${POSTFIX_REF} (reject_unknown_helo_hostname)` },
  {
    code: 550,
    text:
      '5.7.1 [192.0.2.22      18] Our system has detected that this message is\n' +
      '5.7.1 likely suspicious due to the very low reputation of the sending IP\n' +
      '5.7.1 address. To best protect our users from spam, the message has been\n' +
      '5.7.1 blocked. Please visit\n' +
      '5.7.1  https://support.google.com/mail/answer/188131 for more information. p22nn000202cat.22 - gsmtp',
    expected: 'policy',
    source: `${SISIMAI('lhost-postfix-58.eml')} (Gmail, multi-line)`,
  },
  {
    code: 521,
    text: '5.7.1 Service unavailable; client [203.0.113.225] blocked using dnsbl.sorbs.net\n5.7.1 Please see http://support.mailhostbox.com/email-administrators-guide-error-codes/ for explanation of the problem.',
    expected: 'policy',
    source: SISIMAI('lhost-amazonses-16.eml'),
  },
  { code: 550, text: '5.3.2 Service currently unavailable', expected: 'policy', source: 'vdukhovni/postfix src/postscreen/postscreen.c (postscreen_dnsbl_action = enforce)' },
  { code: 521, text: '5.3.2 Service currently unavailable', expected: 'policy', source: 'vdukhovni/postfix src/postscreen/postscreen.c (drop)' },
  { code: 450, text: '4.3.2 Service currently unavailable', expected: 'greylisted', source: 'vdukhovni/postfix src/postscreen/postscreen_state.c (RCPT while after-greeting tests are pending: come back later)' },

  { code: 521, text: '5.2.1 : (CON:B1) http://postmaster.info.aol.com/errors/554conb1.html', expected: 'policy', source: 'mailchannels.com blog, "Why did I get 521 5.2.1 : (CON:B1)" (AOL: our IP, in a 5.2.1)' },
  { code: 521, text: '5.2.1 "Service unavailable. Please try again later."', expected: 'policy', source: 'admin.shamot.cz, AOL servers answering 521 5.2.1 (RFC 7504 521: the host, never one mailbox)' },

  // ---- disabled, suspended, locked, inactive or frozen accounts, in whatever words (mailbox_disabled)
  { code: 550, text: 'Mailbox is frozen. See http://mail.i.ua/err/3/', expected: 'disabled', source: `${SISIMAI('rhost-iua-01.eml')} (i.ua)` },
  {
    code: 550,
    text: '5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426',
    expected: 'disabled',
    source: `${SISIMAI('rhost-franceptt-05.eml')} (Orange: "blocked" about the recipient, not us)`,
  },
  {
    code: 550,
    text: '5.7.1 <kijitora@example.com>: Recipient address rejected: User kijitora@example.com temporary locked. Please try again later!',
    expected: 'disabled',
    source: `${SISIMAI('lhost-amazonses-19.eml')} (a 5.7.1 about the recipient)`,
  },
  { code: 525, text: '5.7.13 Disabled recipient address', expected: 'disabled', source: `${SISIMAI('lhost-sendmail-35.eml')} (a 5.7.13 about the recipient)` },
  { code: 550, text: '5.1.1 <pseudo-local-part-of-icloud@icloud.com>: inactive email address', expected: 'disabled', source: `${SISIMAI('rhost-apple-04.eml')} (iCloud)` },
  {
    code: 550,
    text: '5.2.1 The email account that you tried to reach is inactive. For more\n5.2.1 information, go to\n5.2.1  https://support.google.com/mail/?p=DisabledUser - gsmtp',
    expected: 'disabled',
    source: `${SISIMAI('rhost-google-07.eml')} (Gmail)`,
  },
  {
    code: 552,
    text:
      "5.2.2 The recipient's inbox is out of storage space and inactive. Please\n" +
      '5.2.2 direct the recipient to\n' +
      '5.2.2 https://support.google.com/mail/?p=OverQuotaPerm c2-202229zmZBNM3agi23.222 - gsmtp',
    expected: 'disabled',
    source: `${SISIMAI('rhost-google-05.eml')} (Gmail OverQuotaPerm: full because abandoned)`,
  },
  { code: 552, text: '5.2.1 <xxxxx@anonaddy.me>: Recipient address rejected: User disabled', expected: 'disabled', source: 'anonaddy/anonaddy issue #796' },
  {
    code: 554,
    text: 'delivery error: dd Sorry your message to kijitora@example.co.jp cannot be delivered. This account has been disabled or discontinued [#102]. - mta222.mail.neko.example.co.jp',
    expected: 'disabled',
    source: `${SISIMAI('lhost-postfix-52.eml')} (Yahoo-style)`,
  },

  // ---- Haraka's own replies (haraka/Haraka connection.js), as a stock Haraka answers
  { code: 550, text: 'I cannot deliver mail for <alice@example.test>', expected: 'relay_denied', source: 'haraka/Haraka connection.js rcpt_respond (no rcpt plugin accepted: not a domain it takes)' },
  { code: 554, text: 'Your mail is not welcome here', expected: 'policy', source: 'haraka/Haraka connection.js connect_respond (DENY at connect)' },
  { code: 550, text: 'HELO denied', expected: 'policy', source: 'haraka/Haraka connection.js helo_respond' },
  { code: 554, text: 'rDNS Lookup Failed', expected: 'policy', source: 'haraka/Haraka connection.js lookup_rdns_respond' },
  { code: 550, text: 'sender <probe@verifier.example.test> denied', expected: 'sender', source: 'haraka/Haraka connection.js mail_respond' },
  { code: 550, text: "Mail from domain 'example.test' is not allowed from your host", expected: 'sender', source: 'haraka/Haraka plugins/rcpt_to.host_list_base.js' },
  { code: 550, text: '5.1.1 No such user', expected: 'no_mailbox', source: 'haraka/haraka-dsn index.js no_such_user' },

  // ---- qmail-smtpd (with the widely deployed jms1 combined patch: mfcheck, validrcptto, badhelo)
  { code: 553, text: 'sorry, your envelope sender domain must exist (#5.7.1)', expected: 'sender', source: `${QMAIL} err_hmf` },
  { code: 553, text: 'sorry, your envelope sender has been denied (#5.7.1)', expected: 'sender', source: `${QMAIL} err_bmf (badmailfrom)` },
  { code: 553, text: 'sorry, your HELO host name has been denied (#5.7.1)', expected: 'policy', source: `${QMAIL} err_bhelo` },
  { code: 553, text: "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", expected: 'relay_denied', source: `${QMAIL} err_nogateway` },
  { code: 553, text: 'sorry, this recipient is not in my validrcptto list (#5.7.1)', expected: 'no_mailbox', source: `${QMAIL} err_vrt` },
  { code: 553, text: 'sorry, no mailbox here by that name. (#5.1.1)', expected: 'no_mailbox', source: `${QMAIL} err_badrcpt` },
  { code: 252, text: "send some mail, i'll try my best", expected: 'cannot_verify', source: `${QMAIL} err_vrfy` },

  { code: 550, text: 'info@sbb.ch refused: user invalid', expected: 'no_mailbox', source: 'mailgun/mailgun-php issue #105 (RCPT TO transcript)' },

  // ---- a restriction the recipient sets on its senders: neither our IP nor a missing mailbox (unknown)
  {
    code: 550,
    text:
      '5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; ' +
      'Delivery restriction check failed because the sender was not authenticated when sending to this group',
    expected: 'unknown',
    source: 'markgossa.com, "Your message wasn\'t delivered because the recipient\'s e-mail provider rejected it" (Exchange Online group)',
  },
  { code: 550, text: '5.7.1 RESOLVER.RST.AuthRequired; authentication required', expected: 'unknown', source: `${SISIMAI('lhost-exchange2007-04.eml')} (Exchange: the recipient takes only authenticated senders)` },
  {
    code: 550,
    text: '5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes?ip=192.0.2.135#rcp Refused due to recipient preferences',
    expected: 'unknown',
    source: `${SISIMAI('rhost-facebook-03.eml')} (Facebook: a 5.1.1 that is a preference, not a missing mailbox)`,
  },

  // ---- a 5.7.x whose text is about the recipient is about the mailbox (mailbox_not_found)
  { code: 550, text: '5.7.1 : Recipient address rejected: Recipient not found', expected: 'no_mailbox', source: 'tutao/tutanota issue #7713 (Tuta, seen through Gmail)' },
  { code: 550, text: '5.7.1 550 User Unknown: sabineko@example.org', expected: 'no_mailbox', source: `${SISIMAI('lhost-messagingserver-03.eml')} (Oracle Messaging Server)` },
  {
    code: 550,
    text: '5.7.1 <pseudo-local-part-kijitora-nyaan@sfr.fr>: Recipient address rejected: User unknown',
    expected: 'no_mailbox',
    source: `${SISIMAI('lhost-sendmail-48.eml')} (SFR)`,
  },
  { code: 550, text: '5.1.6 recipient no longer on server: kijitora@example.go.jp', expected: 'no_mailbox', source: SISIMAI('lhost-postfix-16.eml') },
  { code: 550, text: '#5.1.0 Address rejected.', expected: 'no_mailbox', source: 'customeros/mailsherpa issue #19' },
  { code: 550, text: 'REJECTED - Recipient Verification Failed - User Not Found', expected: 'no_mailbox', source: 'jeremymcs/baruwa issue #18 (Baruwa/Exim gateway)' },
  {
    code: 550,
    text: '5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]',
    expected: 'no_mailbox',
    source: `${SISIMAI('rhost-franceptt-01.eml')} (Orange)`,
  },
];
