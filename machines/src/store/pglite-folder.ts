/**
 * @module store/pglite-folder
 * New PGlite databases, made from a template. PGlite's initdb runs a second Postgres instance next to
 * the first and restores a 128 MB copy of its heap before every backend it starts: ~700 MB of RSS. So
 * initdb runs once, at build time (scripts/build.mjs), into a gzipped tar of the data folder it makes;
 * a new folder is that tar unpacked as it streams (a few MB), and a `memory://` database is loaded from it.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PACKAGE_ROOT } from '../package-root.ts';

export const DEFAULT_PGLITE_SHARED_BUFFERS_MB = 16;

/**
 * PGlite's own start parameters plus memory settings for one process on a laptop. Its defaults are a
 * server's (shared_buffers 128 MB, shared memory for 100 connections): ~290 MB of RSS idle, where
 * these hold ~170 MB. Single-user mode serves one connection; a few spare keep Postgres's checks happy.
 */
export function pgliteStartParams(defaults: readonly string[], sharedBuffersMb = DEFAULT_PGLITE_SHARED_BUFFERS_MB): string[] {
  return [...defaults, '-c', `shared_buffers=${sharedBuffersMb}MB`, '-c', 'max_connections=5', '-c', 'wal_buffers=1MB'];
}

/** Where templates live; scripts/build.mjs keeps this folder when it rebuilds dist/. */
export const PGLITE_TEMPLATE_DIR = join(PACKAGE_ROOT, 'dist', 'pglite-template');

const pgliteEntry = (): string => createRequire(join(PACKAGE_ROOT, 'package.json')).resolve('@electric-sql/pglite');

/** The template for the installed PGlite: one per version, as a data folder is only for the Postgres that made it. */
export function pgliteTemplatePath(): string {
  // PGlite's exports map hides its package.json from resolve(); it sits above dist/index.cjs.
  const { version } = JSON.parse(readFileSync(join(dirname(pgliteEntry()), '..', 'package.json'), 'utf8')) as { version: string };
  return join(PGLITE_TEMPLATE_DIR, `${version}.tar.gz`);
}

/**
 * Runs initdb into `file` (a gzipped tar of the data folder), in a child process so that its ~600 MB
 * go away with it. The child's small start parameters bound its own memory; they are not the database's.
 */
export async function makePgliteTemplate(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  // CHECKPOINT first: the tar is taken from a running server, so its next start has nothing to replay.
  const script = `const { PGlite } = require(${JSON.stringify(pgliteEntry())});
(async () => {
  const db = await PGlite.create('memory://', { startParams: [...PGlite.defaultStartParams, ...${JSON.stringify(pgliteStartParams([]))}] });
  await db.exec('CHECKPOINT');
  const tar = await db.dumpDataDir('gzip');
  require('node:fs').writeFileSync(${JSON.stringify(partial)}, Buffer.from(await tar.arrayBuffer()));
  await db.close();
})().catch((err) => { console.error(err && err.message ? err.message : String(err)); process.exit(1); });`;
  try {
    await new Promise<void>((resolve, reject) => {
      // --liftoff-only: V8's baseline WASM compiler alone, ~100 MB less for a run too short to gain from optimising.
      execFile(process.execPath, ['--liftoff-only', '-e', script], { timeout: 120_000 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`could not make the PGlite template ${file}: ${stderr.trim() || err.message}`));
        else resolve();
      });
    });
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

/** Makes the template for the installed PGlite unless it is there (or `force`), and drops other versions'; resolves with its path. */
export async function ensurePgliteTemplate({ force = false } = {}): Promise<string> {
  const file = pgliteTemplatePath();
  if (force || !existsSync(file)) {
    await makePgliteTemplate(file);
    for (const name of await readdir(PGLITE_TEMPLATE_DIR)) if (name.endsWith('.tar.gz') && join(PGLITE_TEMPLATE_DIR, name) !== file) await rm(join(PGLITE_TEMPLATE_DIR, name), { force: true });
  }
  return file;
}

/**
 * Calls `use` with the build's template, or, when there is none (`npm install --ignore-scripts`, a
 * failed build), with one made now into a temporary folder, removed afterwards: dist/ may not be ours to write.
 */
export async function withPgliteTemplate<T>(use: (template: string) => Promise<T>): Promise<T> {
  const built = pgliteTemplatePath();
  if (existsSync(built)) return use(built);
  const tmp = await mkdtemp(join(tmpdir(), 'emailcheck-pglite-template-'));
  try {
    const made = join(tmp, 'template.tar.gz');
    await makePgliteTemplate(made);
    return await use(made);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The template as PGlite's `loadDataDir` takes it (for `memory://`). */
export async function pgliteTemplateBlob(template: string): Promise<Blob> {
  return new Blob([await readFile(template)], { type: 'application/gzip' });
}

/**
 * Unpacks a template into `dir` (created if missing), each file written as it streams. PG_VERSION is
 * written last, so a folder that has one is whole, and an interrupted unpack is redone on the next start.
 */
export async function unpackPgliteTemplate(template: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const source = createReadStream(template);
  const gunzip = createGunzip();
  source.once('error', (err) => gunzip.destroy(err));
  let file: FileHandle | undefined;
  let pgVersion: { parts: Buffer[]; mode: number } | undefined;
  let collecting = false;
  try {
    for await (const piece of readTar(source.pipe(gunzip))) {
      if (piece.kind === 'data') {
        if (collecting) pgVersion!.parts.push(piece.data);
        else await file!.write(piece.data);
        continue;
      }
      await file?.close();
      file = undefined;
      const { name, type, mode } = piece.entry;
      const parts = entryPath(name);
      const path = join(dir, ...parts);
      collecting = type === 'file' && parts.join('/') === 'PG_VERSION';
      if (type === 'dir') await mkdir(path, { recursive: true, mode: mode | 0o700 });
      else if (collecting) pgVersion = { parts: [], mode };
      else {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        file = await open(path, 'w', mode | 0o600);
      }
    }
  } finally {
    await file?.close();
  }
  if (!pgVersion) throw new Error(`${template} is not a Postgres data folder: it has no PG_VERSION`);
  await writeFile(join(dir, 'PG_VERSION'), Buffer.concat(pgVersion.parts), { mode: pgVersion.mode | 0o600 });
}

/** An entry's path below the folder, refusing any that would leave it. */
function entryPath(name: string): string[] {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new Error(`tar entry ${JSON.stringify(name)} leaves the data folder`);
  return parts;
}

interface TarEntry {
  name: string;
  type: 'file' | 'dir';
  mode: number;
  size: number;
}

/** An entry, or a piece of the data of the entry before it (its `size` bytes in all, in order). */
type TarPiece = { kind: 'entry'; entry: TarEntry } | { kind: 'data'; data: Buffer };

/** Chunks in, exactly-sized pieces out, each chunk copied once. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
  take(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const head = this.chunks[0]!;
      if (head.length <= need) {
        parts.push(head);
        this.chunks.shift();
        need -= head.length;
      } else {
        parts.push(head.subarray(0, need));
        this.chunks[0] = head.subarray(need);
        need = 0;
      }
    }
    this.length -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }
}

const BLOCK = 512;
const field = (h: Buffer, start: number, length: number): string => {
  const raw = h.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
};
const octal = (h: Buffer, start: number, length: number): number => parseInt(field(h, start, length).trim() || '0', 8);

/** The sum of a header's bytes with its checksum field read as spaces. */
function headerChecksum(h: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += h[i]!;
  return sum;
}

/** The regular files and folders of a ustar stream (what PGlite's dumpDataDir writes); anything else is refused. */
async function* readTar(stream: AsyncIterable<Buffer>): AsyncGenerator<TarPiece> {
  const queue = new ByteQueue();
  let remaining = 0; // data bytes of the current entry still to come
  let padding = 0; // bytes from there to the next 512-byte block
  for await (const chunk of stream) {
    queue.push(chunk);
    while (queue.length > 0) {
      if (remaining > 0) {
        const n = Math.min(remaining, queue.length);
        remaining -= n;
        yield { kind: 'data', data: queue.take(n) };
      } else if (padding > 0) {
        const n = Math.min(padding, queue.length);
        padding -= n;
        queue.take(n);
      } else {
        if (queue.length < BLOCK) break;
        const h = queue.take(BLOCK);
        if (h.every((b) => b === 0)) return; // end of archive
        if (headerChecksum(h) !== octal(h, 148, 8)) throw new Error('not a tar: a header has a wrong checksum');
        const flag = String.fromCharCode(h[156]!);
        const name = field(h, 0, 100);
        const prefix = field(h, 257, 5) === 'ustar' ? field(h, 345, 155) : '';
        const fullName = prefix ? `${prefix}/${name}` : name;
        if (flag !== '0' && flag !== '\0' && flag !== '5') throw new Error(`tar entry ${JSON.stringify(fullName)} is neither a file nor a folder (type ${JSON.stringify(flag)})`);
        const size = flag === '5' ? 0 : octal(h, 124, 12);
        remaining = size;
        padding = (BLOCK - (size % BLOCK)) % BLOCK;
        yield { kind: 'entry', entry: { name: fullName, type: flag === '5' ? 'dir' : 'file', mode: octal(h, 100, 8) & 0o777, size } };
      }
    }
  }
  // gzip's checksum catches a cut-off file; this catches a tar that was cut before it was zipped.
  if (remaining > 0 || padding > 0 || queue.length > 0) throw new Error('the tar ends inside an entry');
}
