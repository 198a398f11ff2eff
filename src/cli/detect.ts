import { createReadStream, statSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import type { Command } from 'commander';
import type { paths } from '../contracts/api.d.ts';
import { api, type Remote } from './http.ts';
import { CliError, print, progress, table } from './output.ts';

type Run = paths['/api/detect/uploads']['post']['responses'][201]['content']['application/json'];

const FORMATS = ['auto', 'jsonl', 'csv', 'zeek', 'syslog', 'cef', 'text'];
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];

/** `rampart match --logs FILE…`: uploads logs to /api/detect/uploads (streamed), prints each run's summary. */
export function registerDetectCommands(program: Command, json: () => boolean, remote: () => Remote): void {
  program
    .command('match')
    .description('match logs against the indicators your organisation may see (stdin with -); prints the run summary')
    .requiredOption('--logs <files...>', 'log files (plain or .gz); - reads stdin')
    .option('--format <format>', `log format: ${FORMATS.join('|')}`, 'auto')
    .option('--tlp <tlp>', `TLP of the resulting sightings: ${TLPS.join('|')}`, 'AMBER')
    .option('--no-share-with-hub', 'do not name the national hub as a recipient of the sightings')
    .action(async (opts: { logs: string[]; format: string; tlp: string; shareWithHub: boolean }) => {
      if (!FORMATS.includes(opts.format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}`, 2);
      if (!TLPS.includes(opts.tlp)) throw new CliError(`--tlp must be one of ${TLPS.join(', ')}`, 2);
      const r = remote();
      const runs: Run[] = [];
      for (const file of opts.logs) {
        let size = 0;
        if (file !== '-') {
          try {
            size = statSync(file).size;
          } catch (e) {
            throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
          }
        }
        const bar = progress(size, file === '-' ? 'stdin' : file, !json() && process.stderr.isTTY && size > 0);
        let sent = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            sent += chunk.length;
            bar.update(sent);
            cb(null, chunk);
          },
        });
        const source = file === '-' ? process.stdin : createReadStream(file);
        source.on('error', (e: Error) => counter.destroy(e));
        const body = Readable.toWeb(source.pipe(counter)) as ReadableStream;
        const name = file === '-' ? 'stdin' : file.split(/[\\/]/).pop()!;
        const q = new URLSearchParams({ format: opts.format, tlp: opts.tlp, filename: name.slice(0, 300), shareWithHub: String(opts.shareWithHub) });
        try {
          const res = await api<Run>(r, 'POST', `/api/detect/uploads?${q}`, body, { 'content-type': file.endsWith('.gz') ? 'application/gzip' : 'application/octet-stream' });
          runs.push(res.body);
        } finally {
          bar.stop();
        }
      }
      print(json(), runs.length === 1 ? runs[0] : runs, () =>
        table(
          runs.map((x) => ({
            file: x.filename, status: x.status, lines: x.lines, hits: x.hits, 'hit lines': x.hitLines, sightings: x.sightings,
            skipped: Object.entries(x.skipped ?? {}).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || '-', run: x.id,
          })),
          ['file', 'status', 'lines', 'hits', 'hit lines', 'sightings', 'skipped', 'run'],
        ),
      );
    });
}
