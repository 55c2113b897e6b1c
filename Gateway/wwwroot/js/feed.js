import { showError } from "./dom.js";

/**
 * A numbered feed (a channel's messages, a thread's posts: seq 1, 2, 3 … without gaps), as docs/api.md asks a client
 * to follow it. `fetchAfter(after)` joins and returns `{ items, hasMore }` after that seq (null: the latest);
 * `show(item)` draws one. It keeps the last seq shown: live items at or below it are ignored, a gap or a reconnect
 * joins again from it, and while a join runs live items wait (history and live delivery overlap, so an early one
 * would look like a gap) and are replayed after it.
 */
export function seqFeed(fetchAfter, show) {
  let lastSeq = 0;
  let joining = 0;
  const waiting = [];

  function take(items) {
    for (const item of items) {
      if (item.seq > lastSeq) lastSeq = item.seq;
      show(item);
    }
  }

  async function join(after) {
    joining++;
    try {
      for (;;) {
        const result = await fetchAfter(after);
        take(result.items);
        if (!result.hasMore) return;
        after = lastSeq;
      }
    } finally {
      joining--;
      if (joining === 0) waiting.splice(0).sort((a, b) => a.seq - b.seq).forEach(live);
    }
  }

  function live(item) {
    if (joining > 0) { waiting.push(item); return; }
    if (item.seq <= lastSeq) return;
    if (item.seq > lastSeq + 1) { waiting.push(item); join(lastSeq).catch(showError); return; }
    take([item]);
  }

  return {
    get lastSeq() { return lastSeq; },
    /** The first join (null: the latest page) and the one after a reconnect. */
    join: (after = lastSeq) => join(after),
    live,
  };
}
