/**
 * @module cli/usage
 * Usage errors: one line on stderr, exit code 2.
 */
export class UsageError extends Error {
  readonly code = 'usage';
}

export const USAGE = `emailcheck: verify email addresses without sending mail

Usage:
  emailcheck check [EMAIL...] [--input FILE|-] [--json] [--format ndjson|csv]
                   [--concurrency N] [--dns-server HOST:PORT] [--smtp-port N]
                   [--smtp-timeout SECONDS] [--from-email ADDR] [--hello-name NAME]
                   [--proxy socks5://[user:pass@]host:port] [--allow-private-mx]
  emailcheck machine      run one machine process (JetStream consumers; settings from env)
  emailcheck plan --per-month N [--per-ip-day 10000] [--per-ip-minute 60] [--headroom 0.8]
                  [--regions fra,iad] [--machines-per-ip K] [--concurrency N]
                  [--check-seconds 5] [--app NAME] [--json]
                          egress IPs and machines for a monthly volume, and the Fly.io commands
  emailcheck dev          the whole stack on 127.0.0.1 (nats-server, a machine, the Worker
                          under wrangler dev); what "npm start" runs
  emailcheck keys create --tenant T --name N [--rate-per-minute N] [--daily-quota N] [--operator]
                          [--local] [--json]
  emailcheck keys disable KEY|SHA256 [--local]
  emailcheck help

Exit codes: 0 every address was checked (whatever the verdicts), 1 a check failed
to run, 2 usage error or unreadable input.
Settings can also come from the environment; see the README's table.`;
