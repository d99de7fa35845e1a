/**
 * @module work/page-fit
 * A results page must fit in one NATS message (max_payload, 1 MiB by default): a page
 * of 1000 full results does not. Cut the page at the last item that fits and point
 * `next_cursor` there, so a large `limit` means "as many as fit", never an error.
 */
import type { JobResultsPage } from '../../../shared/messages.ts';
import { encodeCursor } from '../store/index.ts';

const utf8 = new TextEncoder();
const bytes = (v: unknown) => utf8.encode(JSON.stringify(v)).length;

export function fitResultsPage(page: JobResultsPage, maxBytes: number): JobResultsPage {
  if (bytes(page) <= maxBytes) return page;
  // The envelope with a cursor, plus each item and its comma, must stay under the budget.
  let used = bytes({ ...page, items: [], next_cursor: encodeCursor(2 ** 31 - 1) });
  let kept = 0;
  for (const item of page.items) {
    const size = bytes(item) + 1;
    if (used + size > maxBytes) break;
    used += size;
    kept++;
  }
  // Even one item too big for a message is a configuration problem; send it alone and let NATS say so.
  kept = Math.max(kept, 1);
  const items = page.items.slice(0, kept);
  return { ...page, items, next_cursor: encodeCursor(items[items.length - 1]!.index) };
}
