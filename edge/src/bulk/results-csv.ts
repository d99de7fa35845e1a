/**
 * @module bulk/results-csv
 * A job's results as one CSV download (shared/csv.ts columns, formula-injection safe), streamed:
 * each pull of the body asks the machines for the next page, so memory stays at one page and a
 * slow client slows the paging down. A page that fails mid-download errors the stream, so the
 * client sees a broken download rather than a CSV that looks complete.
 */
import type { JobResultsPage } from '../../../shared/messages.ts';
import { inputCsvHeader, inputCsvRow, resultCsvHeader, resultCsvRow } from '../../../shared/csv.ts';

/**
 * A job from a CSV upload repeats each row's own fields first (people re-import the file into
 * their CRM), then the result columns; a JSON job has the result columns only.
 */
export function resultsCsvStream(first: JobResultsPage, nextPage: (cursor: string) => Promise<JobResultsPage>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page: JobResultsPage | null = first;
  let headerSent = false;
  const columns = first.input_columns ?? null;
  const fromCsv = columns !== null || first.items.some((i) => i.input_row);
  // Without a header row, the first page's widest row names the columns.
  const width = columns?.length ?? Math.max(0, ...first.items.map((i) => i.input_row?.length ?? 0));
  const header = () => (fromCsv ? inputCsvHeader(columns, width) : resultCsvHeader());
  const row = (item: JobResultsPage['items'][number]) => (fromCsv ? inputCsvRow(item.input_row ?? [item.email], width, item.result) : resultCsvRow(item.result));
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!page) {
          controller.close();
          return;
        }
        let text = headerSent ? '' : header();
        headerSent = true;
        for (const item of page.items) text += row(item);
        const cursor = page.next_cursor;
        page = null;
        controller.enqueue(encoder.encode(text));
        if (cursor) page = await nextPage(cursor);
      },
    },
    { highWaterMark: 0 },
  );
}
