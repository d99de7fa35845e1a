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
  emailcheck help

Exit codes: 0 every address was checked (whatever the verdicts), 1 a check failed
to run, 2 usage error or unreadable input.
Settings can also come from the environment; see the README's table.`;
