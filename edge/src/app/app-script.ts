/**
 * @module app/app-script
 * The dashboard's browser script (`GET /app/app.js`), plain ES2020 with no dependencies, served
 * as its own file so the page's CSP needs no 'unsafe-inline'. It only calls the public API with
 * the signed-in key (sessionStorage, Bearer header). Kept as a string: workerd serves it as it
 * is, with no bundler step (no template literals inside, so it can live in String.raw).
 */
import { ADDRESS_HEADER } from '../bulk/csv-addresses.ts';

export const APP_JS = String.raw`'use strict';
(function () {
  var KEY_STORAGE = 'emailcheck.apiKey';
  var VERDICTS = ['safe', 'risky', 'invalid', 'unknown'];
  var POLL_MS = 2000;
  var $ = function (id) { return document.getElementById(id); };
  var pollTimer = null;
  var jobsCursor = null;
  var upload = { file: null, key: null, source: null };

  // ---- the API -------------------------------------------------------------------------------
  function apiKey() { return sessionStorage.getItem(KEY_STORAGE); }

  function ApiFailure(status, code, message) {
    this.status = status; this.code = code; this.message = message;
  }

  /** fetch with the Bearer key; JSON errors become ApiFailure with the API's own message. */
  async function api(path, init) {
    init = init || {};
    var headers = new Headers(init.headers || {});
    var key = init.key || apiKey();
    if (key) headers.set('authorization', 'Bearer ' + key);
    var res;
    try {
      res = await fetch(path, { method: init.method || 'GET', headers: headers, body: init.body, cache: 'no-store' });
    } catch (e) {
      throw new ApiFailure(0, 'network', 'The service could not be reached; check your connection and try again.');
    }
    if (res.ok) return res;
    var code = 'http_' + res.status;
    var message = 'The request failed (HTTP ' + res.status + ').';
    try {
      var body = await res.json();
      if (body && body.error) { code = body.error.code; message = body.error.message; }
    } catch (e) { /* not JSON */ }
    if (res.status === 401 && !init.key) signOut(keyMessage(code, message));
    throw new ApiFailure(res.status, code, message);
  }

  function keyMessage(code, message) {
    if (code === 'api_key_disabled') return 'This API key has been disabled. Ask for a new key, then sign in again.';
    if (code === 'invalid_api_key') return 'This API key is not valid (mistyped, expired or revoked). Check it and sign in again.';
    return message;
  }

  // ---- messages and views --------------------------------------------------------------------
  function showMessage(text, kind) {
    var box = $('message');
    box.textContent = text;
    box.className = 'message ' + (kind || 'error');
    box.hidden = false;
    box.scrollIntoView({ block: 'nearest' });
  }
  function clearMessage() { $('message').hidden = true; $('message').textContent = ''; }
  function failure(e) { showMessage(e && e.message ? e.message : String(e)); }

  function showView(name) {
    var views = document.querySelectorAll('.view');
    var changed = false;
    for (var i = 0; i < views.length; i++) {
      var show = views[i].id === 'view-' + name;
      if (show && views[i].hidden) changed = true;
      views[i].hidden = !show;
    }
    $('nav').hidden = name === 'sign-in';
    // A screen reader hears the new view's heading, and Tab starts from it.
    if (changed) {
      var h = document.querySelector('#view-' + name + ' h1');
      if (h) { h.setAttribute('tabindex', '-1'); h.focus(); }
    }
  }

  function stopPolling() { if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; } }

  function route() {
    stopPolling();
    if (!apiKey()) { showView('sign-in'); $('api-key').focus(); return; }
    var hash = location.hash || '#/';
    var m = /^#\/jobs\/([A-Za-z0-9_-]+)$/.exec(hash);
    if (m) { showView('job'); loadJob(m[1]); return; }
    if (hash === '#/jobs') { showView('jobs'); loadJobs(true); return; }
    showView('home');
  }

  function signOut(reason) {
    sessionStorage.removeItem(KEY_STORAGE);
    stopPolling();
    if (reason) showMessage(reason); else clearMessage();
    if (location.hash !== '' && location.hash !== '#/') location.hash = '#/'; else route();
  }

  // ---- sign in -------------------------------------------------------------------------------
  async function signIn(ev) {
    ev.preventDefault();
    clearMessage();
    var key = $('api-key').value.trim();
    if (!key) { showMessage('Enter your API key.'); $('api-key').focus(); return; }
    var warning = null;
    try {
      // Any tenant route tells whether the key is good; the jobs list costs nothing.
      await api('/v1/bulk?limit=1', { key: key });
    } catch (e) {
      if (e.status === 401 || e.status === 0) {
        showMessage(e.status === 401 ? keyMessage(e.code, e.message) : e.message);
        $('api-key').focus();
        return;
      }
      // The key passed (a 429 or 503 comes after it was checked): sign in and say what is wrong.
      warning = e.message;
    }
    sessionStorage.setItem(KEY_STORAGE, key);
    $('api-key').value = '';
    route();
    if (warning) showMessage(warning);
    $('check-email').focus();
  }

  // ---- single check --------------------------------------------------------------------------
  function verdictBadge(v) {
    var s = document.createElement('span');
    s.className = 'badge v-' + v;
    s.textContent = v;
    return s;
  }

  function renderCheck(result) {
    var box = $('check-result');
    box.textContent = '';
    var h = document.createElement('p');
    h.className = 'verdict';
    var addr = document.createElement('strong');
    addr.textContent = result.input;
    h.appendChild(addr);
    h.appendChild(document.createTextNode(' '));
    h.appendChild(verdictBadge(result.is_reachable));
    box.appendChild(h);
    var dl = document.createElement('dl');
    var rows = [['Reason', result.reason], ['Score', String(result.score) + ' / 100']];
    if (result.syntax && result.syntax.suggestion) rows.push(['Did you mean', result.syntax.suggestion]);
    if (result.debug && result.debug.mx_host) rows.push(['Mail server', result.debug.mx_host]);
    if (result.misc) {
      var flags = [];
      if (result.misc.is_disposable) flags.push('disposable');
      if (result.misc.is_role_account) flags.push('role account');
      if (result.misc.is_b2c) flags.push('free provider');
      if (result.smtp && result.smtp.is_catch_all) flags.push('catch-all domain');
      if (flags.length) rows.push(['Flags', flags.join(', ')]);
    }
    for (var i = 0; i < rows.length; i++) {
      var dt = document.createElement('dt'); dt.textContent = rows[i][0];
      var dd = document.createElement('dd'); dd.textContent = rows[i][1];
      dl.appendChild(dt); dl.appendChild(dd);
    }
    box.appendChild(dl);
  }

  async function check(ev) {
    ev.preventDefault();
    clearMessage();
    var email = $('check-email').value.trim();
    if (!email) { showMessage('Enter an address to check.'); $('check-email').focus(); return; }
    var button = ev.submitter || document.querySelector('#check-form button');
    button.disabled = true;
    $('check-result').textContent = 'Checking ' + email + '…';
    try {
      var res = await api('/v1/check', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: email }) });
      var body = await res.json();
      // 202: still running on a machine; poll its id.
      for (var tries = 0; res.status === 202 && tries < 60; tries++) {
        $('check-result').textContent = 'Still checking ' + email + ' (the mail server is slow)…';
        await new Promise(function (r) { setTimeout(r, 2000); });
        res = await api('/v1/check/' + encodeURIComponent(body.id));
        body = res.status === 202 ? body : await res.json();
      }
      if (res.status === 202) { $('check-result').textContent = 'No answer yet; try again in a minute.'; return; }
      renderCheck(body);
    } catch (e) {
      $('check-result').textContent = '';
      failure(e);
    } finally {
      button.disabled = false;
    }
  }

  // ---- upload --------------------------------------------------------------------------------
  function limits() {
    var f = $('upload-form');
    return { emails: Number(f.dataset.maxEmails), bytes: Number(f.dataset.maxBytes) };
  }

  function formatBytes(n) {
    if (n >= 1048576) return (Math.round(n / 104857.6) / 10) + ' MB';
    if (n >= 1024) return Math.round(n / 1024) + ' KB';
    return n + ' bytes';
  }

  var HEADER = new RegExp(` + JSON.stringify(ADDRESS_HEADER.source) + String.raw`, 'i');

  /** The pasted list: one address per line (commas and semicolons separate too). */
  function pastedAddresses(text) {
    return text.split(/[\r\n,;]+/).map(function (s) { return s.trim(); }).filter(function (s) { return s !== ''; });
  }

  /** Records of a CSV (line breaks inside quotes do not end one), each with its first line's text. */
  function csvRecordStarts(text) {
    var starts = [];
    var inQuote = false;
    var start = 0;
    for (var i = 0; i <= text.length; i++) {
      var c = text.charCodeAt(i);
      if (c === 34) inQuote = !inQuote;
      else if (i === text.length || (!inQuote && (c === 10 || c === 13))) {
        var record = text.slice(start, i);
        if (record.replace(/[\s,"]/g, '') !== '') starts.push(record);
        if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
        start = i + 1;
      }
    }
    return starts;
  }

  /** A first look at a file, as the API will see it: how many addresses, or a header with no address column. */
  function inspectCsv(text) {
    var records = csvRecordStarts(text.replace(/^\uFEFF/, ''));
    if (records.length === 0) return { count: 0, problem: 'The file holds no addresses.' };
    var first = records[0];
    var cells = first.split(',').map(function (c) { return c.replace(/^\s*"|"\s*$/g, ''); });
    var named = cells.some(function (c) { return HEADER.test(c); });
    var count = records.length - (named ? 1 : 0);
    if (!named && cells.length > 1 && first.indexOf('@') === -1) {
      return { count: count, problem: 'The first row (' + cells.slice(0, 6).join(', ') + ') names no email column and holds no address. Name the address column "email" and upload again.' };
    }
    if (count === 0) return { count: 0, problem: 'The file has a header row but no addresses.' };
    return { count: count, problem: null };
  }

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result)); };
      reader.onerror = function () { reject(new Error('The file "' + file.name + '" could not be read (' + (reader.error ? reader.error.name : 'unreadable') + '). Choose it again or export it anew.')); };
      reader.readAsText(file);
    });
  }

  function newIdempotencyKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }

  /** A new input is a new job: it gets its own Idempotency-Key, reused only if the same upload is retried. */
  function inputChanged(source) {
    upload.key = null;
    upload.source = source;
    $('upload-summary').textContent = '';
    if (source === 'file') {
      var file = $('upload-file').files[0];
      upload.file = file || null;
      if (file) $('upload-summary').textContent = 'Selected ' + file.name + ' (' + formatBytes(file.size) + ').';
    }
  }

  async function submitUpload(ev) {
    ev.preventDefault();
    clearMessage();
    var max = limits();
    var pasted = $('upload-paste').value;
    var request;
    try {
      if (upload.source === 'file' && upload.file) {
        var file = upload.file;
        if (file.size > max.bytes) throw new Error('"' + file.name + '" is ' + formatBytes(file.size) + '; an upload holds at most ' + formatBytes(max.bytes) + '. Split the file and upload the parts.');
        var text = await readFile(file);
        var seen = inspectCsv(text);
        if (seen.problem) throw new Error(seen.problem);
        if (seen.count > max.emails) throw new Error('"' + file.name + '" holds about ' + seen.count.toLocaleString() + ' addresses; a job holds at most ' + max.emails.toLocaleString() + '. Split the file.');
        var form = new FormData();
        form.append('file', file, file.name);
        request = { body: form, headers: {}, count: seen.count };
      } else if (pasted.trim() !== '') {
        var emails = pastedAddresses(pasted);
        if (emails.length > max.emails) throw new Error('The list holds ' + emails.length.toLocaleString() + ' addresses; a job holds at most ' + max.emails.toLocaleString() + '.');
        var body = JSON.stringify({ emails: emails });
        if (new TextEncoder().encode(body).length > max.bytes) throw new Error('The list is larger than ' + formatBytes(max.bytes) + '; split it into several jobs.');
        request = { body: body, headers: { 'content-type': 'application/json' }, count: emails.length };
      } else {
        throw new Error('Choose a file, drop one on the box, or paste addresses first.');
      }
    } catch (e) {
      failure(e);
      return;
    }
    upload.key = upload.key || newIdempotencyKey();
    request.headers['idempotency-key'] = upload.key;
    var button = $('upload-submit');
    button.disabled = true;
    $('upload-summary').textContent = 'Uploading ' + request.count.toLocaleString() + ' addresses…';
    try {
      var res = await api('/v1/bulk', { method: 'POST', headers: request.headers, body: request.body });
      var accepted = await res.json();
      upload = { file: null, key: null, source: null };
      $('upload-form').reset();
      $('upload-summary').textContent = '';
      location.hash = '#/jobs/' + accepted.job_id;
    } catch (e) {
      $('upload-summary').textContent = e.status === 0 ? 'Not sent. Press "Start checking" again: the same upload is never counted twice.' : '';
      failure(e);
    } finally {
      button.disabled = false;
    }
  }

  function setupDropZone() {
    var zone = $('drop-zone');
    ['dragenter', 'dragover'].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove('over'); });
    });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      var files = e.dataTransfer && e.dataTransfer.files;
      if (!files || files.length === 0) return;
      if (files.length > 1) { showMessage('Drop one file at a time.'); return; }
      try { $('upload-file').files = files; } catch (err) { /* older browsers: keep our own reference */ }
      upload.file = files[0];
      upload.source = 'file';
      upload.key = null;
      $('upload-summary').textContent = 'Selected ' + files[0].name + ' (' + formatBytes(files[0].size) + ').';
    });
  }

  // ---- jobs list -----------------------------------------------------------------------------
  function when(iso) { return iso ? new Date(iso).toLocaleString() : ''; }

  async function loadJobs(fresh) {
    clearMessage();
    var tbody = document.querySelector('#jobs-table tbody');
    if (fresh) { tbody.textContent = ''; jobsCursor = null; }
    var state = $('jobs-state').value;
    var q = '?limit=20' + (state ? '&state=' + state : '') + (jobsCursor ? '&cursor=' + encodeURIComponent(jobsCursor) : '');
    try {
      var page = await (await api('/v1/bulk' + q)).json();
      page.items.forEach(function (job) {
        var tr = document.createElement('tr');
        var a = document.createElement('a');
        a.href = '#/jobs/' + job.job_id;
        a.textContent = job.job_id;
        var progress = job.done.toLocaleString() + ' / ' + job.total.toLocaleString();
        if (job.state === 'running' && job.waiting && job.waiting.retrying) progress += ' (' + job.waiting.retrying.toLocaleString() + ' waiting for a retry)';
        var cells = [a, when(job.created_at), job.state, progress, job.average_score === null || job.average_score === undefined ? '–' : String(job.average_score)];
        cells.forEach(function (c) {
          var td = document.createElement('td');
          if (typeof c === 'string') td.textContent = c; else td.appendChild(c);
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      jobsCursor = page.next_cursor;
      $('jobs-more').hidden = !jobsCursor;
      $('jobs-empty').hidden = tbody.children.length > 0;
      $('jobs-table').hidden = tbody.children.length === 0;
    } catch (e) { failure(e); }
  }

  // ---- one job -------------------------------------------------------------------------------
  var SVG = 'http://www.w3.org/2000/svg';

  /** Horizontal bars: one row per entry, a label, a bar and its count; the table beside it says the same in text. */
  function drawBars(svg, table, entries, classOf) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    table.textContent = '';
    var total = entries.reduce(function (n, e) { return n + e[1]; }, 0);
    var max = entries.reduce(function (n, e) { return Math.max(n, e[1]); }, 0) || 1;
    var rowH = 26, labelW = 150, barW = 240;
    svg.setAttribute('viewBox', '0 0 ' + (labelW + barW + 70) + ' ' + Math.max(rowH, entries.length * rowH));
    svg.setAttribute('height', String(Math.max(rowH, entries.length * rowH)));
    var summary = [];
    entries.forEach(function (e, i) {
      var y = i * rowH;
      var label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', String(labelW - 8)); label.setAttribute('y', String(y + 17)); label.setAttribute('text-anchor', 'end');
      label.textContent = e[0];
      var bar = document.createElementNS(SVG, 'rect');
      bar.setAttribute('x', String(labelW)); bar.setAttribute('y', String(y + 4)); bar.setAttribute('height', '18');
      bar.setAttribute('width', String(Math.max(e[1] > 0 ? 2 : 0, Math.round((e[1] / max) * barW))));
      bar.setAttribute('class', 'bar ' + classOf(e[0]));
      var count = document.createElementNS(SVG, 'text');
      count.setAttribute('x', String(labelW + Math.round((e[1] / max) * barW) + 6)); count.setAttribute('y', String(y + 17));
      count.textContent = e[1].toLocaleString();
      svg.appendChild(label); svg.appendChild(bar); svg.appendChild(count);
      var tr = document.createElement('tr');
      var th = document.createElement('th'); th.scope = 'row'; th.textContent = e[0];
      var td = document.createElement('td'); td.textContent = e[1].toLocaleString();
      var pct = document.createElement('td'); pct.textContent = total ? Math.round((e[1] / total) * 100) + '%' : '–';
      tr.appendChild(th); tr.appendChild(td); tr.appendChild(pct);
      table.appendChild(tr);
      summary.push(e[0] + ' ' + e[1]);
    });
    svg.setAttribute('aria-label', summary.join(', ') || 'no results yet');
  }

  function renderWaiting(w) {
    var box = $('job-waiting');
    if (!w) { box.hidden = true; return; }
    box.textContent = '';
    var p = document.createElement('p');
    var parts = [];
    if (w.pending_first_try) parts.push(w.pending_first_try.toLocaleString() + ' not tried yet');
    if (w.retrying) parts.push(w.retrying.toLocaleString() + ' waiting for a retry');
    p.textContent = parts.length ? 'Still open: ' + parts.join(', ') + '.' : 'Nothing is waiting.';
    box.appendChild(p);
    if (w.by_reason) {
      var reasons = Object.keys(w.by_reason).filter(function (k) { return w.by_reason[k] > 0; });
      if (reasons.length) {
        var r = document.createElement('p');
        r.textContent = 'Waiting because: ' + reasons.map(function (k) { return k + ' ' + w.by_reason[k]; }).join(', ') + '.';
        box.appendChild(r);
      }
    }
    if (w.next_retry_at) { var n = document.createElement('p'); n.textContent = 'Next retry: ' + when(w.next_retry_at) + '.'; box.appendChild(n); }
    if (w.latest_finish_at) { var l = document.createElement('p'); l.textContent = 'Finished by ' + when(w.latest_finish_at) + ' at the latest (or finish it now).'; box.appendChild(l); }
    box.hidden = false;
  }

  function renderJob(job) {
    $('h-job').textContent = 'Job ' + job.job_id;
    var state = job.state === 'finished' ? 'Finished' : job.state === 'queued' ? 'Queued' : 'Running';
    var line = state + ': ' + job.done.toLocaleString() + ' of ' + job.total.toLocaleString() + ' checked';
    if (job.average_score !== null && job.average_score !== undefined) line += ', average score ' + job.average_score;
    if (job.finished_at) line += ', finished ' + when(job.finished_at);
    $('job-state').textContent = line + '.';
    var bar = $('job-progress');
    bar.max = Math.max(1, job.total);
    bar.value = job.done;
    drawBars($('chart-verdicts'), $('table-verdicts'), VERDICTS.map(function (v) { return [v, job.counts[v] || 0]; }), function (v) { return 'v-' + v; });
    var reasons = job.reasons ? Object.keys(job.reasons).map(function (k) { return [k, job.reasons[k]]; }) : [];
    reasons.sort(function (a, b) { return b[1] - a[1]; });
    drawBars($('chart-reasons'), $('table-reasons'), reasons, function () { return 'v-reason'; });
    renderWaiting(job.state === 'finished' ? null : job.waiting);
    $('job-finish').hidden = job.state !== 'running';
  }

  async function loadJob(id) {
    clearMessage();
    $('job-finish').dataset.job = id;
    $('download-form').dataset.job = id;
    try {
      var job = await (await api('/v1/bulk/' + encodeURIComponent(id))).json();
      renderJob(job);
      // A large job's status counts its reasons over every result: ask for it less often.
      var every = job.total > 10000 ? POLL_MS * 3 : POLL_MS;
      if (job.state !== 'finished' && location.hash === '#/jobs/' + id) pollTimer = setTimeout(function () { loadJob(id); }, every);
    } catch (e) {
      failure(e);
      // A passing outage: keep watching; a job that does not exist: stop.
      if (e.status !== 404 && e.status !== 401 && location.hash === '#/jobs/' + id) pollTimer = setTimeout(function () { loadJob(id); }, POLL_MS * 3);
    }
  }

  async function finishNow() {
    var id = $('job-finish').dataset.job;
    if (!confirm('Finish this job now? Addresses still waiting are reported as unknown, with the reason they were waiting for.')) return;
    clearMessage();
    $('job-finish').disabled = true;
    try {
      var job = await (await api('/v1/bulk/' + encodeURIComponent(id) + '/finish', { method: 'POST' })).json();
      renderJob(job);
      showMessage('The job was finished; whatever was still waiting is reported as unknown.', 'info');
    } catch (e) { failure(e); } finally { $('job-finish').disabled = false; }
  }

  function saveBlob(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url; a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  async function download(ev) {
    ev.preventDefault();
    clearMessage();
    var form = $('download-form');
    var id = form.dataset.job;
    var format = ev.submitter && ev.submitter.value === 'json' ? 'json' : 'csv';
    var chosen = Array.prototype.filter.call(form.querySelectorAll('input[name=verdict]'), function (b) { return b.checked; }).map(function (b) { return b.value; });
    if (chosen.length === 0) { showMessage('Choose at least one verdict to download.'); return; }
    var filter = chosen.length === VERDICTS.length ? '' : '&verdict=' + chosen.join(',');
    var suffix = chosen.length === VERDICTS.length ? '' : '-' + chosen.join('-');
    try {
      if (format === 'csv') {
        var res = await api('/v1/bulk/' + encodeURIComponent(id) + '/results?format=csv' + filter);
        saveBlob(await res.blob(), id + suffix + '.csv');
        return;
      }
      var items = [];
      var cursor = null;
      do {
        var page = await (await api('/v1/bulk/' + encodeURIComponent(id) + '/results?limit=1000' + filter + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''))).json();
        items = items.concat(page.items);
        cursor = page.next_cursor;
      } while (cursor);
      saveBlob(new Blob([JSON.stringify(items, null, 2)], { type: 'application/json' }), id + suffix + '.json');
    } catch (e) { failure(e); }
  }

  // ---- wiring --------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', function () {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', function () { signOut(null); });
    $('check-form').addEventListener('submit', check);
    $('upload-form').addEventListener('submit', submitUpload);
    $('upload-file').addEventListener('change', function () { inputChanged('file'); });
    // Whichever was touched last is what gets uploaded.
    $('upload-paste').addEventListener('input', function () { inputChanged('paste'); });
    $('jobs-state').addEventListener('change', function () { loadJobs(true); });
    $('jobs-more').addEventListener('click', function () { loadJobs(false); });
    $('job-finish').addEventListener('click', finishNow);
    $('download-form').addEventListener('submit', download);
    setupDropZone();
    window.addEventListener('hashchange', route);
    route();
  });
})();
`;
