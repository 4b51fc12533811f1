// Load check for clearing files, run by hand (not part of `npm test`):
//   node --import ./scripts/register-source.mjs packages/mastercard/tests/clearing-load.script.ts [recordCount]
// Writes a synthetic file of N records (default 1,000,000), reads it back streaming, checks the record
// count and totals, and prints the time of each phase and the peak RSS sampled every 50 ms.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClearingFileAt } from '../src/clearing/adapters/file-reader.ts';
import { writeSyntheticClearingFile } from '../src/clearing/adapters/synthetic.ts';
import { addToTotals, emptyTotals, totalsEqual } from '../src/clearing/domain/record.ts';

const recordCount = Number(process.argv[2] ?? 1_000_000);
let peakRssBytes = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
}, 50);

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'tapkit-clearing-load-'));
  const path = join(directory, 'load.ipm');
  try {
    const rssAtStart = process.memoryUsage().rss;
    const writeStartMs = performance.now();
    const summary = await writeSyntheticClearingFile(path, recordCount);
    const writeMs = performance.now() - writeStartMs;
    const peakAfterWrite = peakRssBytes;

    const readStartMs = performance.now();
    let read = 0;
    let totals = emptyTotals;
    let verdict = 'none';
    for await (const event of readClearingFileAt(path)) {
      if (event.type === 'record') {
        read += 1;
        totals = addToTotals(totals, event.record);
      } else if (event.type === 'accepted') verdict = 'accepted';
      else if (event.type === 'rejected') verdict = `rejected ${event.error.code}`;
    }
    const readMs = performance.now() - readStartMs;
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    const ok = read === recordCount && totalsEqual(totals, summary.totals) && verdict === 'accepted';
    console.log(
      JSON.stringify(
        {
          recordCount,
          fileBytes: (await stat(path)).size,
          writeSeconds: +(writeMs / 1000).toFixed(2),
          readSeconds: +(readMs / 1000).toFixed(2),
          rssAtStart: mb(rssAtStart),
          peakRssDuringWrite: mb(peakAfterWrite),
          peakRssOverall: mb(peakRssBytes),
          verdict,
          ok,
        },
        null,
        2,
      ),
    );
    if (!ok) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
