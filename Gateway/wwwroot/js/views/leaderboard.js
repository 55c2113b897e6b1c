import { h, showError } from "../dom.js";
import { api, get } from "../api.js";
import { on } from "../hub.js";
import { session } from "../session.js";

/** All-time and this week's boards, with the caller's own rank; live points move them (re-read on award). */
export async function render(view, [communityId]) {
  const boards = h("div", { class: "columns" });
  view.append(h("h1", {}, "Leaderboard"), boards);

  async function board(id, title) {
    const [page, me] = await Promise.all([get(`/api/communities/${communityId}/leaderboards/${id}?limit=20`), api("GET", `/api/communities/${communityId}/leaderboards/${id}/me`)]);
    return h("section", { "aria-label": title }, h("h2", {}, title),
      h("ol", { class: "board" }, ...page.entries.map((e) => h("li", { class: e.userId === session.userId ? "me" : "" }, h("span", {}, `${e.rank}. ${e.displayName}`), h("span", {}, `${e.points} pts`)))),
      h("p", { class: "muted" }, me ? `You: rank ${me.rank} of ${page.members}, ${me.points} points` : "You are not on this board yet."));
  }

  async function pastWeeks() {
    const weeks = await get(`/api/communities/${communityId}/leaderboards/weeks`);
    return h("section", { "aria-label": "Past weeks" }, h("h2", {}, "Past weeks"),
      weeks.length === 0 ? h("p", { class: "muted" }, "No week has closed yet: boards close on Monday 00:00 UTC.")
        : h("ol", { class: "cards" }, ...weeks.slice(0, 8).map((w) => h("li", {}, h("strong", {}, w.week), ` (${w.members} on the board): `,
          w.top.map((e) => `${e.rank}. ${e.displayName} ${e.points}`).join(" · ")))));
  }

  async function refresh() {
    boards.replaceChildren(await board("all", "All time"), await board("week", "This week"), await pastWeeks());
  }

  let timer = null;
  const off = on("PointsAwarded", (a) => {
    if (a.communityId === communityId) timer ??= setTimeout(() => { timer = null; refresh().catch(showError); }, 1000);
  });
  await refresh();
  return () => { off(); clearTimeout(timer); };
}
