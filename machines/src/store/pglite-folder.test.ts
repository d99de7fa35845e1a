import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../package-root.ts';
import { pgliteTemplatePath, unpackPgliteTemplate } from './pglite-folder.ts';

/** One ustar entry, laid out as POSIX says (and as PGlite's dumpDataDir writes them). */
function tarEntry(name: string, { type = '0', mode = 0o600, data = Buffer.alloc(0) }: { type?: string; mode?: number; data?: Buffer } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}
const tarGz = (...entries: Buffer[]): Buffer => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));

describe('unpackPgliteTemplate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emailcheck-unpack-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes folders and files with their contents and modes, big files included', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0xab); // spans many gunzip chunks
    const template = join(dir, 'good.tar.gz');
    await writeFile(
      template,
      tarGz(
        tarEntry('/base', { type: '5', mode: 0o750 }),
        tarEntry('/base/1', { type: '5', mode: 0o750 }),
        tarEntry('/base/1/1259', { data: Buffer.from('a page') }),
        tarEntry('/PG_VERSION', { data: Buffer.from('18\n') }),
        tarEntry('/pg_wal/000000010000000000000001', { data: big }),
        tarEntry('/empty'),
      ),
    );
    const out = join(dir, 'good');
    await unpackPgliteTemplate(template, out);
    expect(await readFile(join(out, 'base', '1', '1259'), 'utf8')).toBe('a page');
    expect(await readFile(join(out, 'PG_VERSION'), 'utf8')).toBe('18\n');
    expect((await readFile(join(out, 'pg_wal', '000000010000000000000001'))).equals(big)).toBe(true);
    expect((await stat(join(out, 'empty'))).size).toBe(0);
    expect((await stat(join(out, 'base', '1', '1259'))).mode & 0o777).toBe(0o600);
    expect((await readdir(out)).sort()).toEqual(['PG_VERSION', 'base', 'empty', 'pg_wal']);
  });

  it('refuses an entry that would leave the folder, before writing it', async () => {
    const template = join(dir, 'escape.tar.gz');
    await writeFile(template, tarGz(tarEntry('/../escaped', { data: Buffer.from('x') }), tarEntry('/PG_VERSION', { data: Buffer.from('18\n') })));
    await expect(unpackPgliteTemplate(template, join(dir, 'escape'))).rejects.toThrow(/leaves the data folder/);
    expect(existsSync(join(dir, 'escaped'))).toBe(false);
    expect(existsSync(join(dir, 'escape', 'PG_VERSION'))).toBe(false);
  });

  it('refuses links, and a tar without PG_VERSION, leaving no PG_VERSION behind', async () => {
    const withLink = join(dir, 'link.tar.gz');
    await writeFile(withLink, tarGz(tarEntry('/PG_VERSION', { data: Buffer.from('18\n') }), tarEntry('/link', { type: '2' })));
    await expect(unpackPgliteTemplate(withLink, join(dir, 'link'))).rejects.toThrow(/neither a file nor a folder/);
    expect(existsSync(join(dir, 'link', 'PG_VERSION'))).toBe(false);
    const noVersion = join(dir, 'no-version.tar.gz');
    await writeFile(noVersion, tarGz(tarEntry('/global', { type: '5', mode: 0o750 })));
    await expect(unpackPgliteTemplate(noVersion, join(dir, 'no-version'))).rejects.toThrow(/no PG_VERSION/);
  });

  it('refuses what is not a tar', async () => {
    const template = join(dir, 'garbage.tar.gz');
    await writeFile(template, gzipSync(Buffer.alloc(4096, 1)));
    await expect(unpackPgliteTemplate(template, join(dir, 'garbage'))).rejects.toThrow(/wrong checksum/);
  });

  it('refuses a cut-off template', async () => {
    const whole = tarGz(tarEntry('/PG_VERSION', { data: Buffer.from('18\n') }), tarEntry('/big', { data: Buffer.alloc(100_000, 1) }));
    const template = join(dir, 'cut.tar.gz');
    await writeFile(template, whole.subarray(0, whole.length - 20));
    await expect(unpackPgliteTemplate(template, join(dir, 'cut'))).rejects.toThrow(/unexpected end of file/);
    expect(existsSync(join(dir, 'cut', 'PG_VERSION'))).toBe(false);
  });

  it('is named for the installed PGlite version', () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
    expect(pgliteTemplatePath()).toBe(join(PACKAGE_ROOT, 'dist', 'pglite-template', `${version}.tar.gz`));
  });
});
