import { h, showError, time } from "../dom.js";
import { get, post } from "../api.js";
import { on } from "../hub.js";
import { setUnread } from "../../app.js";

/** The inbox: newest first, live, with paging back and "mark all read". */
export async function render(view) {
  const list = h("ol", { class: "cards", "aria-live": "polite", "aria-label": "Notifications" });
  let next = null;
  let readThrough = null;
  const more = h("button", { type: "button", class: "link", hidden: true, onclick: () => page(next).catch(showError) }, "Older notifications");
  view.append(h("h1", {}, "Notifications"),
    h("button", { type: "button", onclick: () => post("/api/me/notifications/read-all").then(() => { setUnread(0); list.querySelectorAll(".unread").forEach((e) => e.classList.remove("unread")); }).catch(showError) }, "Mark all read"),
    list, more);

  const item = (n, unread) => h("li", { class: unread ? "card unread" : "card" },
    h("div", { class: "meta" }, h("strong", {}, n.kind.replaceAll("_", " ")), " · ", n.communityId, " · ", time(n.at)), h("p", {}, n.text));

  async function page(before) {
    const result = await get(`/api/me/notifications?limit=30${before ? `&before=${before}` : ""}`);
    // Ids grow by one per notice: the newest id less the unread count is the last one read (worked out once).
    readThrough ??= result.items.length ? result.items[0].id - result.unread : 0;
    list.append(...result.items.map((n) => item(n, n.id > readThrough)));
    next = result.nextBefore;
    more.hidden = !next;
    setUnread(result.unread);
  }

  const off = on("Notification", (n) => list.prepend(item(n, true)));
  await page(null);
  return off;
}
