/**
 * @module test/dashboard
 * The `/app` dashboard in Debian's chromium (playwright-core, no browser download), against the
 * real local stack of `emailcheck dev` (nats-server, a machine, the Worker under wrangler dev)
 * pointed at a local DNS server and a mock MTA. A person signs in (a wrong and a disabled key
 * first), checks one address, gets clear refusals for bad files, uploads a 50-address CSV,
 * watches it finish and downloads the safe rows with their own columns.
 *
 * Screenshots of each page land in test-output/dashboard/ (git-ignored) for a reviewer to open.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../cli/dev-nats.ts';
import { storeLocalKey } from '../cli/keys.ts';
import { csvRecords } from '../edge/src/bulk/csv-addresses.ts';
import { generateApiKey } from '../shared/api-keys.ts';
import { startDnsServer, type TestDnsServer } from './support/dns-server.ts';
import { startMockMta, type MockMta } from './support/smtp-servers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'emailcheck.js');
const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'dashboard');
const DEV_API_KEY = 'ek_dashboard-test-key-0123456789abcdefghijklmnopq';

/** 50 rows of a CRM export: 35 mailboxes the MTA accepts, 15 it does not know. */
const PEOPLE = Array.from({ length: 50 }, (_, i) => ({
  name: `Person ${i}`,
  email: i % 10 < 7 ? `person${i}@mail.test` : `gone${i}@mail.test`,
  company: i % 3 === 0 ? 'Acme, Inc.' : `Co ${i}`,
}));
const csvLine = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',');
const UPLOAD = ['Name,Email,Company', ...PEOPLE.map((p) => csvLine([p.name, p.email, p.company]))].join('\r\n') + '\r\n';

const READY_MS = 150_000;

function runDev(env: Record<string, string>): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'dev'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

// Without chromium a developer's run skips this file; CI (which installs it) never does.
const hasChromium = existsSync(CHROMIUM) || process.env.CI === 'true';

describe.skipIf(!hasChromium)('the dashboard in a real browser', () => {
  let dns: TestDnsServer;
  let mta: MockMta;
  let dataDir: string;
  let profileDir: string;
  let dev: ReturnType<typeof runDev> | undefined;
  let base: string;
  let context: BrowserContext;
  let page: Page;

  const api = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${DEV_API_KEY}` } });
    return (await res.json()) as Record<string, unknown>;
  };
  const jobCount = async () => ((await api('/v1/bulk?limit=100')).items as unknown[]).length;
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const message = () => page.locator('#message');

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    mta = await startMockMta({ mailboxes: Object.fromEntries([['alice@mail.test', 'ok'], ...PEOPLE.filter((p) => p.email.startsWith('person')).map((p) => [p.email, 'ok'])]) });
    dns = await startDnsServer({ 'mail.test': { MX: [{ preference: 10, exchange: 'mx.mail.test' }] }, 'mx.mail.test': { A: ['127.0.0.1'] } });
    dataDir = await mkdtemp(join(tmpdir(), 'emailcheck-dashboard-'));
    profileDir = await mkdtemp(join(tmpdir(), 'emailcheck-chromium-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    dev = runDev({
      PORT: String(port),
      DEV_API_KEY,
      DEV_DATA_DIR: dataDir,
      DNS_SERVERS: dns.server,
      SMTP_PORT: String(mta.port),
      ALLOW_PRIVATE_MX: '1',
      HELO_NAME: 'dashboard.test',
      FROM_EMAIL: 'verify@dashboard.test',
      // The test's allowance: one local MTA, no per-IP session or recipient budget to wait on.
      THROTTLE_IP_RATE: '0',
      THROTTLE_IP_RCPT_RATE: '0',
    });
    const until = Date.now() + READY_MS;
    while (!dev.out().includes('dev stack ready')) {
      if (dev.child.exitCode !== null) throw new Error(`emailcheck dev exited:\n${dev.out()}`);
      if (Date.now() > until) throw new Error(`emailcheck dev not ready:\n${dev.out()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1100, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, READY_MS + 30_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    if (dev && dev.child.exitCode === null) {
      dev.child.kill('SIGINT');
      const timer = setTimeout(() => dev!.child.kill('SIGKILL'), 30_000);
      await dev.exited;
      clearTimeout(timer);
    }
    await Promise.all([dns?.close(), mta?.close()]);
    for (const dir of [dataDir, profileDir]) if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('a wrong key and a disabled key are refused on the page, saying which; the right one signs in', async () => {
    // The strict CSP (script-src 'self', no inline) lets the page's own script and style run: no refusals, no script errors.
    const pageErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(m.text());
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const response = await page.goto(`${base}/app`);
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await expect.poll(() => page.locator('#view-sign-in').isVisible()).toBe(true);

    await page.getByLabel('API key').fill('ek_this-is-not-a-key-of-this-stack-000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => message().textContent()).toMatch(/not valid/);
    await shot('sign-in-bad-key');

    const disabled = generateApiKey();
    await storeLocalKey(disabled, { tenant: 'dashboard', name: 'old key', rate_per_minute: 600, daily_quota: null, disabled: true, created_at: new Date().toISOString() }, dataDir);
    await page.getByLabel('API key').fill(disabled);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => message().textContent()).toMatch(/disabled/);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.getByLabel('API key').fill(DEV_API_KEY);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#view-home').isVisible()).toBe(true);
    expect(await message().isHidden()).toBe(true);
    // The key lives in this tab's session storage, never in the URL or a cookie.
    expect(await page.evaluate("sessionStorage.getItem('emailcheck.apiKey')")).toBe(DEV_API_KEY);
    expect(page.url()).not.toContain(DEV_API_KEY);
    expect(await context.cookies()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('checks one address and shows verdict, reason and score', async () => {
    await page.getByLabel('Email address').fill('alice@mail.test');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect.poll(() => page.locator('#check-result').textContent(), { timeout: 20_000 }).toMatch(/alice@mail\.test\s*safe/);
    const text = (await page.locator('#check-result').textContent())!;
    expect(text).toContain('deliverable');
    expect(text).toMatch(/Score\s*\d+ \/ 100/);
    await shot('home-single-check');
  });

  it('bad files get a clear message and nothing is submitted: no address column (dropped on the box), unreadable, over the size limit', async () => {
    expect(await page.locator('#upload-limits').textContent()).toMatch(/Up to 100,000 addresses and 10 MB per upload/);
    const before = await jobCount();

    // Drag and drop, as a person would from their file manager.
    const dataTransfer = await page.evaluateHandle(() => {
      // Runs in the page (DOM types are not in this project's lib).
      const w = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: string[], name: string, opts: { type: string }) => unknown;
      };
      const dt = new w.DataTransfer();
      dt.items.add(new w.File(['name,phone\nAnn,555-1234\n'], 'contacts.csv', { type: 'text/csv' }));
      return dt;
    });
    await page.locator('#drop-zone').dispatchEvent('drop', { dataTransfer });
    await expect.poll(() => page.locator('#upload-summary').textContent()).toContain('contacts.csv');
    await page.getByRole('button', { name: 'Start checking' }).click();
    await expect.poll(() => message().textContent()).toMatch(/names no email column/);
    await shot('upload-no-address-column');

    // A file that went away between choosing and uploading (moved, on an unplugged drive).
    const gone = join(profileDir, 'moved.csv');
    await writeFile(gone, 'email\nann@mail.test\n');
    await page.getByLabel('CSV or text file').setInputFiles(gone);
    await rm(gone);
    await page.getByRole('button', { name: 'Start checking' }).click();
    await expect.poll(() => message().textContent()).toMatch(/"moved\.csv" could not be read/);

    await page.getByLabel('CSV or text file').setInputFiles({ name: 'huge.csv', mimeType: 'text/csv', buffer: Buffer.alloc(11 * 1024 * 1024, 'a') });
    await page.getByRole('button', { name: 'Start checking' }).click();
    await expect.poll(() => message().textContent()).toMatch(/huge\.csv" is 11 MB; an upload holds at most 10 MB/);
    expect(await jobCount()).toBe(before);
  });

  it('a 50-address CSV upload runs to the end on its job page, and the safe-only download is the safe rows with their own columns', async () => {
    await page.getByLabel('CSV or text file').setInputFiles({ name: 'crm-export.csv', mimeType: 'text/csv', buffer: Buffer.from(UPLOAD) });
    await page.getByRole('button', { name: 'Start checking' }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    const jobId = /#\/jobs\/(job_[A-Za-z0-9_-]+)/.exec(page.url())![1]!;
    await expect.poll(() => page.locator('#job-state').textContent(), { timeout: 120_000, interval: 500 }).toMatch(/^Finished: 50 of 50 checked/);
    expect(await page.locator('#table-verdicts').textContent()).toMatch(/safe\s*35\s*70%.*invalid\s*15\s*30%/s);
    expect(await page.locator('#table-reasons').textContent()).toMatch(/deliverable\s*35.*mailbox_not_found\s*15/s);
    expect(await page.locator('#job-finish').isHidden()).toBe(true);
    await shot('job-finished');

    // "safe" is the default choice; the download is fetched with the key and saved by the browser.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`${jobId}-safe.csv`);
    const text = await readFile((await download.path())!, 'utf8');
    const [header, ...rows] = [...csvRecords(text)].map((r) => r.fields).filter((f) => f.join('') !== '');
    expect(header!.slice(0, 5)).toEqual(['Name', 'Email', 'Company', 'is_reachable', 'reason']);
    const expected = PEOPLE.filter((p) => p.email.startsWith('person')).map((p) => [p.name, p.email, p.company, 'safe', 'deliverable']);
    expect(rows.map((r) => r.slice(0, 5))).toEqual(expected);

    // The jobs list shows it, newest first.
    await page.getByRole('link', { name: 'Jobs' }).click();
    await expect.poll(() => page.locator('#jobs-table tbody tr').first().textContent()).toContain(jobId);
    expect(await page.locator('#jobs-table tbody tr').first().textContent()).toMatch(/finished.*50 \/ 50/);
    await shot('jobs-list');
  }, 180_000);

  it('a pasted list becomes a job too (duplicates once), and every verdict downloads as JSON', async () => {
    await page.getByRole('link', { name: 'Check & upload' }).click();
    await page.getByLabel('Or paste addresses, one per line').fill('alice@mail.test\nnobody@mail.test\n\nalice@mail.test\n');
    await page.getByRole('button', { name: 'Start checking' }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    await expect.poll(() => page.locator('#job-state').textContent(), { timeout: 60_000, interval: 500 }).toMatch(/^Finished: 2 of 2 checked/);
    for (const v of ['risky', 'invalid', 'unknown']) await page.getByLabel(v, { exact: true }).check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
    const items = JSON.parse(await readFile((await download.path())!, 'utf8')) as { email: string; result: { is_reachable: string; score: number } }[];
    expect(items.map((i) => [i.email, i.result.is_reachable])).toEqual([
      ['alice@mail.test', 'safe'],
      ['nobody@mail.test', 'invalid'],
    ]);
    expect(items[1]!.result.score).toBe(0);
  }, 90_000);

  it('a job waiting on greylisting says what it waits for, and Finish now ends it with the waiting addresses unknown', async () => {
    mta.setMailbox('grey-a@mail.test', 'greylist');
    mta.setMailbox('grey-b@mail.test', 'greylist');
    await page.getByRole('link', { name: 'Check & upload' }).click();
    await page.getByLabel('Or paste addresses, one per line').fill('grey-a@mail.test\ngrey-b@mail.test\nalice@mail.test\n');
    await page.getByRole('button', { name: 'Start checking' }).click();
    await page.waitForURL(/#\/jobs\/job_/);
    await expect.poll(() => page.locator('#job-waiting').textContent(), { timeout: 60_000, interval: 500 }).toMatch(/2 waiting for a retry.*greylisted 2/s);
    expect(await page.locator('#job-state').textContent()).toMatch(/^Running: 1 of 3 checked/);
    await shot('job-waiting');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Finish now' }).click();
    await expect.poll(() => page.locator('#job-state').textContent(), { timeout: 30_000 }).toMatch(/^Finished: 3 of 3 checked/);
    expect(await page.locator('#table-verdicts').textContent()).toMatch(/safe\s*1.*unknown\s*2/s);
    expect(await page.locator('#job-finish').isHidden()).toBe(true);
    expect(await page.locator('#job-waiting').isHidden()).toBe(true);
  }, 120_000);
});
