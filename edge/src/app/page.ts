/**
 * @module app/page
 * The dashboard's one HTML page (`GET /app`). Static markup; app-script.ts fills it from the public
 * API with the key the person signs in with. The upload limits are this deployment's own
 * (MAX_BULK_EMAILS, MAX_BODY_BYTES), written into the form so the page can refuse a file that
 * is too large before sending any of it.
 */
import type { EdgeConfig } from '../env.ts';

const VERDICTS = ['safe', 'risky', 'invalid', 'unknown'] as const;

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** 10485760 → "10 MB" (binary megabytes, as the limit is set). */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

export function appPage(cfg: Pick<EdgeConfig, 'MAX_BULK_EMAILS' | 'MAX_BODY_BYTES'>): string {
  const maxEmails = cfg.MAX_BULK_EMAILS.toLocaleString('en-US');
  const maxBytes = formatBytes(cfg.MAX_BODY_BYTES);
  const verdictBoxes = VERDICTS.map(
    (v) => `<label class="check"><input type="checkbox" name="verdict" value="${v}"${v === 'safe' ? ' checked' : ''}> ${v}</label>`,
  ).join('\n        ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>emailcheck dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/app/app.css">
<script src="/app/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
  <p class="brand"><a href="#/">emailcheck</a></p>
  <nav id="nav" aria-label="Dashboard" hidden>
    <a href="#/">Check &amp; upload</a>
    <a href="#/jobs">Jobs</a>
    <button id="sign-out" type="button" class="link">Sign out</button>
  </nav>
</header>
<main id="main" tabindex="-1">
  <div id="message" class="message" role="alert" hidden></div>

  <section id="view-sign-in" class="view" aria-labelledby="h-sign-in" hidden>
    <h1 id="h-sign-in">Sign in</h1>
    <form id="sign-in-form" novalidate>
      <label for="api-key">API key</label>
      <input id="api-key" name="key" type="password" autocomplete="off" spellcheck="false" required placeholder="ek_…" aria-describedby="api-key-hint">
      <p id="api-key-hint" class="hint">Kept in this tab's session storage only and sent as the <code>Authorization: Bearer</code> header; closing the tab forgets it.</p>
      <button type="submit">Sign in</button>
    </form>
  </section>

  <section id="view-home" class="view" aria-labelledby="h-check" hidden>
    <h1 id="h-check">Check one address</h1>
    <form id="check-form" novalidate>
      <label for="check-email">Email address</label>
      <div class="row">
        <input id="check-email" name="email" type="text" inputmode="email" autocomplete="off" spellcheck="false" required>
        <button type="submit">Check</button>
      </div>
    </form>
    <div id="check-result" class="result" aria-live="polite"></div>

    <h2 id="h-upload">Upload a list</h2>
    <form id="upload-form" novalidate aria-labelledby="h-upload" data-max-emails="${cfg.MAX_BULK_EMAILS}" data-max-bytes="${cfg.MAX_BODY_BYTES}">
      <p id="upload-limits" class="hint">Up to <strong>${escapeHtml(maxEmails)} addresses</strong> and <strong>${escapeHtml(maxBytes)}</strong> per upload. A CSV file keeps its columns: the column headed <code>email</code> (or the one holding addresses) is checked, and the download repeats every column with the verdict appended.</p>
      <div id="drop-zone" class="drop-zone">
        <label for="upload-file">CSV or text file</label>
        <input id="upload-file" name="file" type="file" accept=".csv,.txt,text/csv,text/plain" aria-describedby="upload-limits drop-hint">
        <p id="drop-hint" class="hint">…or drop a file anywhere in this box.</p>
      </div>
      <label for="upload-paste">Or paste addresses, one per line</label>
      <textarea id="upload-paste" name="paste" rows="6" spellcheck="false" aria-describedby="upload-limits"></textarea>
      <p id="upload-summary" class="hint" aria-live="polite"></p>
      <button id="upload-submit" type="submit">Start checking</button>
    </form>
  </section>

  <section id="view-jobs" class="view" aria-labelledby="h-jobs" hidden>
    <h1 id="h-jobs">Jobs</h1>
    <div class="row">
      <label for="jobs-state">Show</label>
      <select id="jobs-state">
        <option value="">all jobs</option>
        <option value="running">running</option>
        <option value="finished">finished</option>
      </select>
    </div>
    <table id="jobs-table">
      <caption class="sr-only">Your bulk jobs, newest first</caption>
      <thead><tr><th scope="col">Job</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Average score</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="jobs-empty" hidden>No jobs yet: upload a list to start one.</p>
    <button id="jobs-more" type="button" hidden>Load older jobs</button>
  </section>

  <section id="view-job" class="view" aria-labelledby="h-job" hidden>
    <h1 id="h-job">Job</h1>
    <p id="job-state" aria-live="polite"></p>
    <progress id="job-progress" max="1" value="0" aria-label="Progress"></progress>
    <div id="job-waiting" class="waiting" hidden></div>
    <p><button id="job-finish" type="button" hidden>Finish now</button></p>
    <div class="charts">
      <figure>
        <figcaption id="cap-verdicts">Verdicts</figcaption>
        <svg id="chart-verdicts" class="chart" role="img" aria-labelledby="cap-verdicts"></svg>
        <table id="table-verdicts" class="counts"></table>
      </figure>
      <figure>
        <figcaption id="cap-reasons">Reasons</figcaption>
        <svg id="chart-reasons" class="chart" role="img" aria-labelledby="cap-reasons"></svg>
        <table id="table-reasons" class="counts"></table>
      </figure>
    </div>
    <form id="download-form" novalidate>
      <fieldset>
        <legend>Download results</legend>
        ${verdictBoxes}
        <div class="row">
          <button type="submit" name="format" value="csv">Download CSV</button>
          <button type="submit" name="format" value="json" class="secondary">Download JSON</button>
        </div>
      </fieldset>
    </form>
  </section>
</main>
</body>
</html>
`;
}
