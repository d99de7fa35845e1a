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
    expected: 'temporary',
    source: `${GOOGLE} (a rate limit, not a disabled mailbox)`,
  },
  {
    code: 550,
    text:
      '5.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered. ' +
      'For more information, please visit https://support.google.com/mail/?p=ReceivingRatePerm - gsmtp',
    expected: 'temporary',
    source: `${SFM_550} (Gmail: 5.2.1 that is a rate limit)`,
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
  { code: 421, text: '4.7.0 TLS required for RCPT domain, closing connection.', expected: 'policy', source: GOOGLE },
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
    expected: 'policy',
    source: `${SFM_550} (Gmail)`,
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
    expected: 'policy',
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
    expected: 'policy',
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
    expected: 'policy',
    source: 'sendmail cf/m4/proto.m4 check_mail ruleset (our MAIL FROM, not the mailbox)',
  },
  {
    code: 550,
    text: '<example@example.com>: Reject due to SPF policy. The originating IP of the message is not permitted by the domain owner',
    expected: 'policy',
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
];
