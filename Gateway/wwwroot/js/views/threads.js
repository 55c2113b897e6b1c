import { h, field, form, showError, time } from "../dom.js";
import { get, post } from "../api.js";

/** The forum: listings (latest, top, unanswered), search, and a new thread. */
export async function render(view, [communityId]) {
  const base = `/api/communities/${communityId}`;
  const list = h("ul", { class: "cards", "aria-label": "Threads" });
  const results = h("div", { "aria-live": "polite" });
  let sort = "latest";
  const sortButtons = ["latest", "top", "unanswered"].map((s) => h("button", { type: "button", "aria-pressed": String(s === sort), onclick: () => { sort = s; sortButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.textContent === s))); load().catch(showError); } }, s));
  view.append(
    h("h1", {}, "Threads"),
    form({ class: "row", role: "search", "aria-label": "Search the forum" }, [
      field("Search", h("input", { name: "q", type: "search", required: true, maxlength: 200 })),
      h("button", { type: "submit" }, "Search"),
    ], async ({ q }) => {
      const found = await get(`${base}/search?q=${encodeURIComponent(q)}&limit=20`);
      results.replaceChildren(h("h2", {}, `${found.total} result(s) for “${found.query}”`),
        h("ul", { class: "cards" }, ...found.hits.map((hit) => h("li", {}, h("a", { href: `#/c/${communityId}/threads/${hit.threadId}` }, hit.title), h("p", { class: "muted" }, hit.snippet)))));
    }),
    results,
    h("div", { class: "row", role: "group", "aria-label": "Sort" }, ...sortButtons),
    list,
    h("h2", {}, "New thread"),
    form({ class: "stack", "aria-label": "New thread" }, [
      field("Kind", h("select", { name: "kind" }, h("option", { value: "Discussion" }, "Discussion"), h("option", { value: "Question" }, "Question"), h("option", { value: "Idea" }, "Idea"))),
      field("Title", h("input", { name: "title", required: true, maxlength: 200 })),
      field("Text (Markdown)", h("textarea", { name: "body", required: true, rows: 5 })),
      field("Tags (comma-separated)", h("input", { name: "tags" })),
      h("button", { type: "submit" }, "Start thread"),
    ], async ({ kind, title, body, tags }) => {
      const created = await post(`${base}/threads`, { kind, title, body, tags: tags ? tags.split(",").map((t) => t.trim()).filter(Boolean) : null });
      location.hash = `#/c/${communityId}/threads/${created.threadId}`;
    }));

  async function load() {
    const listing = await get(`${base}/threads?sort=${sort}&limit=30`);
    list.replaceChildren(...(listing.items.length === 0 ? [h("li", { class: "muted" }, "No threads yet.")] : listing.items.map((t) => h("li", { class: "card" },
      h("a", { href: `#/c/${communityId}/threads/${t.threadId}` }, t.title),
      h("div", { class: "meta" }, `${t.kind} · ${t.authorName} · `, time(t.lastActivityAt), ` · ${t.replies} replies · ${t.reactions} reactions`, t.kind === "Idea" ? ` · ${t.votes} votes · ${t.status}` : "", t.acceptedSeq ? " · answered" : ""),
      h("p", { class: "muted" }, t.excerpt)))));
  }

  await load();
}
