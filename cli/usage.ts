/**
 * @module cli/usage
 * The usage text of each sub-command (shown by `emailcheck CMD --help`, `-h` and `emailcheck help CMD`),
 * and usage errors: one line on stderr, exit code 2. Kept apart from the commands so help loads none of them.
 */
export class UsageError extends Error {
  readonly code = 'usage';
}

const CHECK = `emailcheck check: verify addresses (DNS and SMTP from this machine), one result per address in input order

Usage:
  emailcheck check [EMAIL...] [--input FILE|-] [--json] [--format ndjson|csv]
                   [--concurrency N] [--dns-server HOST:PORT] [--smtp-port N]
                   [--smtp-timeout SECONDS] [--from-email ADDR] [--hello-name NAME]
                   [--proxy socks5://[user:pass@]host:port] [--allow-mx-range CIDR] [--allow-private-mx]

Options:
  -i, --input FILE|-     read addresses from FILE (one per line, or a CSV's first column); - is stdin
  --json                 one JSON result per line (same as --format ndjson)
  --format ndjson|csv    output format (default: one summary line per address)
  --concurrency N        checks in flight at once, 1 to 1000 (default 20)
  --dns-server HOST:PORT resolver to ask (repeatable; default: /etc/resolv.conf's)
  --smtp-port N          SMTP port to connect to (default 25)
  --smtp-timeout SECONDS timeout of each SMTP step (default 10)
  --from-email ADDR      MAIL FROM address (default verify@ + the EHLO name)
  --hello-name NAME      our EHLO name (an FQDN of ours, never a provider's)
  --proxy URL            connect through a SOCKS5 proxy
  --allow-mx-range CIDR  allow MX hosts in this non-public range, e.g. an internal relay (repeatable)
  --allow-private-mx     allow MX hosts on any non-public address (local test servers)
  -h, --help             this help`;

const MACHINE = `emailcheck machine: run one machine process (JetStream consumers, the verifier, the results store)

Usage:
  emailcheck machine

Settings come from the environment (NATS_URL, DATABASE_URL, EGRESS_IP, ...; see the README's tables).
Runs until SIGTERM or SIGINT, then drains and exits 0.`;

const PLAN = `emailcheck plan: egress IPs and machines for a monthly volume, and the Fly.io commands

Usage:
  emailcheck plan --per-month N [--per-ip-day 10000] [--per-ip-minute 60] [--headroom 0.8]
                  [--per-ip-rcpt-day 20000] [--per-ip-rcpt-minute 120]
                  [--sessions-per-address 0.1] [--rcpt-per-address 1.05]
                  [--regions fra,iad] [--machines-per-ip K] [--concurrency N]
                  [--check-seconds 5] [--app NAME] [--json]

An address costs --sessions-per-address SMTP sessions and --rcpt-per-address RCPTs (defaults:
what npm run bench:budget measures with grouped sessions); the plan prints the old arithmetic
(one session and two RCPTs per address) beside it.`;

const DEV = `emailcheck dev: the whole stack on 127.0.0.1 (nats-server, a machine, the Worker under wrangler dev)

Usage:
  emailcheck dev

What "npm start" runs. Settings come from the environment (PORT, DEV_API_KEY, DATABASE_URL, ...).
Prints the API URL and a dev API key when ready; Ctrl-C stops it all.`;

const KEYS = `emailcheck keys: API keys for the Worker

Usage:
  emailcheck keys create --tenant T --name N [--rate-per-minute N] [--daily-quota N] [--operator]
                        [--local] [--json]
  emailcheck keys disable KEY|SHA256 [--local]

--operator makes a key that may read /v1/status under STATUS_ACCESS=operator.
--local writes to the dev stack's KV (what "npm start" serves); without it the KV entry and the
wrangler command to store it are printed.`;

const DOCTOR = `emailcheck doctor: is this machine ready to send its first check? (port 25, egress IP, rDNS, HELO, MX/SPF, blocklists)

Usage:
  emailcheck doctor [--smtp-host HOST[:PORT]] [--dnsbl ZONE]... [--json]

Options:
  --smtp-host HOST[:PORT] an SMTP server to open a connection to (port default SMTP_PORT): is outbound 25 open?
  --dnsbl ZONE            a DNS blocklist to look the egress IP up in (repeatable; replaces DNSBL_ZONES)
  --json                  the checks as a JSON array of { check, status, detail, fix }
  -h, --help              this help

Reads the machine's settings from the environment: DNS_SERVERS (every lookup), EDGE_URL and
MACHINE_TOKEN (the egress IP as the edge sees it) or EGRESS_IP, HELO_NAME, FROM_EMAIL, PROXY_URL.
Each line is ok, warn or fail, with what to do. Exit 1 when a check fails, 0 otherwise.`;

const HELP = `emailcheck help: usage of every command, or of one

Usage:
  emailcheck help [COMMAND]`;

/** Every sub-command and its usage: main.ts dispatches only names listed here, so each one has --help. */
export const COMMAND_USAGE = { check: CHECK, machine: MACHINE, plan: PLAN, dev: DEV, keys: KEYS, doctor: DOCTOR, help: HELP } as const;

export type CommandName = keyof typeof COMMAND_USAGE;

export const isCommandName = (name: string): name is CommandName => Object.hasOwn(COMMAND_USAGE, name);

/** The lines of a command's usage between "Usage:" and the first blank line after it. */
function synopsis(name: CommandName): string {
  const text = COMMAND_USAGE[name];
  const from = text.indexOf('Usage:\n') + 'Usage:\n'.length;
  const to = text.indexOf('\n\n', from);
  const lines = text.slice(from, to < 0 ? undefined : to);
  // A one-line synopsis has room for what the command does (the usage's first line, after "emailcheck NAME: ").
  return lines.includes('\n') ? lines : `${lines.padEnd(22)}${text.split('\n')[0]!.replace(/^emailcheck \S+: /, '')}`;
}

export const USAGE = `emailcheck: verify email addresses without sending mail

Usage:
${(Object.keys(COMMAND_USAGE) as CommandName[]).map(synopsis).join('\n')}

"emailcheck COMMAND --help" shows a command's options.
Exit codes: 0 every address was checked (whatever the verdicts), 1 a check failed
to run, 2 usage error or unreadable input.
Settings can also come from the environment; see the README's table.`;

/** True when argv asks for help (--help or -h before a "--" that ends the options). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
