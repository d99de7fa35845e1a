/**
 * @module bulk/results-csv
 * A job's results as one CSV download (shared/csv.ts columns, formula-injection safe), streamed:
 * each pull of the body asks the machines for the next page, so memory stays at one page and a
 * slow client slows the paging down. A page that fails mid-download errors the stream, so the
 * client sees a broken download rather than a CSV that looks complete.
 */
import type { JobResultsPage } from '../../../shared/messages.ts';
import { resultCsvHeader, resultCsvRow } from '../../../shared/csv.ts';

export function resultsCsvStream(first: JobResultsPage, nextPage: (cursor: string) => Promise<JobResultsPage>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let page: JobResultsPage | null = first;
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!page) {
          controller.close();
          return;
        }
        let text = headerSent ? '' : resultCsvHeader();
        headerSent = true;
        for (const item of page.items) text += resultCsvRow(item.result);
        const cursor = page.next_cursor;
        page = null;
        controller.enqueue(encoder.encode(text));
        if (cursor) page = await nextPage(cursor);
      },
    },
    { highWaterMark: 0 },
  );
}
