/**
 * @module app/app-style
 * The dashboard's stylesheet (`GET /app/app.css`), its own file for the page's CSP. Colours keep
 * at least 4.5:1 contrast on their backgrounds (WCAG AA), focus is always visible, and verdict
 * colours are never the only cue (every bar has its label and count, every badge its word).
 */
export const APP_CSS = String.raw`:root {
  --fg: #1f2328; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de;
  --accent: #0a58ca; --focus: #0a58ca;
  --safe: #1a7f37; --risky: #9a6700; --invalid: #cf222e; --unknown: #57606a; --reason: #0a58ca;
  --error-bg: #ffebe9; --error-fg: #82071e; --info-bg: #ddf4ff; --info-fg: #0a3069;
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--bg); padding: .5rem 1rem; }
.skip:focus { left: 1rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.topbar { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .6rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--panel); }
.brand { margin: 0; font-weight: 700; font-size: 1.15rem; }
.brand a { color: var(--fg); text-decoration: none; }
nav { display: flex; gap: 1.25rem; align-items: center; }
main { max-width: 62rem; margin: 0 auto; padding: 1.25rem; }
main:focus { outline: none; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; padding-top: 1rem; border-top: 1px solid var(--line); }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
label.check { display: inline-flex; gap: .35rem; align-items: center; font-weight: 400; margin-right: 1rem; }
input[type=text], input[type=password], textarea, select { font: inherit; color: inherit; padding: .45rem .6rem; border: 1px solid #8c959f; border-radius: 6px; background: var(--bg); }
input[type=text], input[type=password], textarea { width: 100%; max-width: 36rem; }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .9rem; }
.row { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.row label { margin: 0; }
button { font: inherit; font-weight: 600; padding: .45rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin-top: .5rem; }
button.secondary { background: var(--bg); color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); padding: 0; margin: 0; text-decoration: underline; font-weight: 400; }
button:disabled { opacity: .6; cursor: progress; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
code { background: var(--panel); padding: 0 .25rem; border-radius: 4px; }
.message { padding: .75rem 1rem; border-radius: 6px; margin: 0 0 1rem; font-weight: 600; }
.message.error { background: var(--error-bg); color: var(--error-fg); border: 1px solid #ff8182; }
.message.info { background: var(--info-bg); color: var(--info-fg); border: 1px solid #54aeff; }
.drop-zone { border: 2px dashed #8c959f; border-radius: 8px; padding: .75rem 1rem; max-width: 36rem; background: var(--panel); }
.drop-zone.over { border-color: var(--accent); background: var(--info-bg); }
.drop-zone label { margin-top: 0; }
.result { margin-top: 1rem; }
.result dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0; }
.result dt { color: var(--muted); }
.result dd { margin: 0; }
.verdict { font-size: 1.1rem; margin: 0; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 999px; color: #fff; font-weight: 700; font-size: .9rem; }
.badge.v-safe { background: var(--safe); } .badge.v-risky { background: var(--risky); }
.badge.v-invalid { background: var(--invalid); } .badge.v-unknown { background: var(--unknown); }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { text-align: left; padding: .35rem .75rem; border-bottom: 1px solid var(--line); }
thead th { background: var(--panel); }
progress { width: 100%; max-width: 36rem; height: 1.1rem; }
.waiting { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .25rem 1rem; margin: 1rem 0; }
.charts { display: flex; gap: 2rem; flex-wrap: wrap; }
figure { margin: 1rem 0; }
figcaption { font-weight: 700; margin-bottom: .25rem; }
.chart { width: 460px; max-width: 100%; display: block; }
.chart text { font-size: 13px; fill: var(--fg); }
.chart .bar { fill: var(--reason); }
.chart .bar.v-safe { fill: var(--safe); } .chart .bar.v-risky { fill: var(--risky); }
.chart .bar.v-invalid { fill: var(--invalid); } .chart .bar.v-unknown { fill: var(--unknown); }
.counts { font-size: .9rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem 1rem; margin-top: 1rem; }
legend { font-weight: 700; padding: 0 .25rem; }
@media (prefers-reduced-motion: no-preference) { button { transition: background-color .15s; } }
`;
