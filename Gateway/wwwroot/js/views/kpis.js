import { h, field, form, showError } from "../dom.js";
import { get } from "../api.js";
import { invoke, on } from "../hub.js";
import { session } from "../session.js";

const day = (d) => d.toISOString().slice(0, 10);

// Chart.js (210 KB) is only for managers: it loads with this screen, once, not with the app.
let chartJs = null;
function loadChartJs() {
  chartJs ??= new Promise((resolve, reject) => {
    document.head.append(Object.assign(document.createElement("script"), { src: "lib/chart.umd.min.js", onload: resolve, onerror: () => reject(new Error("unavailable: the chart library did not load")) }));
  }).catch((err) => { chartJs = null; throw err; });
  return chartJs;
}

/** The community manager's dashboard: totals, daily charts (Chart.js) with their data as tables, sentiment, cohorts, live updates, CSV. */
export async function render(view, [communityId], app) {
  const standing = await app.community(communityId);
  if (!standing.manager) throw new Error("forbidden: KPIs are for the community's admins and owner.");
  await loadChartJs();
  const today = new Date();
  let range = { from: day(new Date(today.getTime() - 13 * 86_400_000)), to: day(today) };
  let report = null;
  const charts = [];
  const totals = h("dl", { class: "totals" });
  const activity = h("canvas", { role: "img", "aria-label": "Active members per day", id: "chart-active" });
  const posts = h("canvas", { role: "img", "aria-label": "Posts, replies and reactions per day", id: "chart-posts" });
  const mood = h("canvas", { role: "img", "aria-label": "Sentiment of posts and comments per day", id: "chart-sentiment" });
  const tables = h("details", {}, h("summary", {}, "The charts' data as a table"));
  const breakdown = h("div");
  const cohorts = h("div");

  view.append(
    h("h1", {}, "KPIs"),
    form({ class: "row", "aria-label": "Date range" }, [
      field("From", h("input", { type: "date", name: "from", value: range.from, required: true })),
      field("To", h("input", { type: "date", name: "to", value: range.to, required: true })),
      h("button", { type: "submit" }, "Show"),
      h("button", { type: "button", onclick: () => downloadCsv().catch(showError) }, "Download CSV"),
    ], async (values) => { range = values; await load(); }),
    totals,
    h("div", { class: "charts" }, h("figure", {}, activity, h("figcaption", {}, "Active members per day")), h("figure", {}, posts, h("figcaption", {}, "Posts, replies and reactions per day")),
      h("figure", {}, mood, h("figcaption", {}, "Sentiment of posts and comments per day"))),
    tables,
    h("h2", {}, "Sentiment by channel, campaign and source"), breakdown,
    h("h2", {}, "Retention cohorts"), cohorts);

  async function load() {
    report = await get(`/api/communities/${communityId}/kpis?from=${range.from}&to=${range.to}`);
    draw();
  }

  function draw() {
    const t = report.totals;
    const number = (v, digits = 0) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
    const percent = (s, share) => (!s || s.scored === 0 ? "–" : (s[share] * 100).toFixed(0));
    const mooded = (d) => d.sentiment ?? { scored: 0, negative: 0, neutral: 0, positive: 0, negativeShare: 0, neutralShare: 0, positiveShare: 0 };
    totals.replaceChildren(...[
      ["Active members", number(t.activeMembers)], ["Posts", number(t.posts)], ["Engagement per post", number(t.engagementPerPost, 2)],
      ["Joined", number(t.joined)], ["First reply (median min)", number(t.firstReplyMedianMinutes, 1)], ["Accepted answer (median min)", number(t.acceptedAnswerMedianMinutes, 1)],
      ["CSAT %", number(t.csat, 0)], ["NPS", number(t.nps, 0)],
      ["Scored texts", number(t.sentiment?.scored)], ["Positive %", percent(t.sentiment, "positiveShare")], ["Negative %", percent(t.sentiment, "negativeShare")],
    ].flatMap(([label, value]) => [h("div", {}, h("dt", {}, label), h("dd", { dataset: { kpi: label } }, value))]));
    const labels = report.days.map((d) => d.day);
    charts.splice(0).forEach((c) => c.destroy());
    charts.push(new Chart(activity, {
      type: "line",
      data: { labels, datasets: [{ label: "Active members", data: report.days.map((d) => d.activeMembers), borderColor: "#2563eb", backgroundColor: "#2563eb33", fill: true, tension: 0.2 }] },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }));
    charts.push(new Chart(posts, {
      type: "bar",
      data: { labels, datasets: [
        { label: "Posts", data: report.days.map((d) => d.posts), backgroundColor: "#16a34a" },
        { label: "Replies", data: report.days.map((d) => d.replies), backgroundColor: "#9333ea" },
        { label: "Reactions", data: report.days.map((d) => d.reactions), backgroundColor: "#f59e0b" },
      ] },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }));
    charts.push(new Chart(mood, {
      type: "bar",
      data: { labels, datasets: [
        { label: "Negative", data: report.days.map((d) => mooded(d).negative), backgroundColor: "#dc2626" },
        { label: "Neutral", data: report.days.map((d) => mooded(d).neutral), backgroundColor: "#94a3b8" },
        { label: "Positive", data: report.days.map((d) => mooded(d).positive), backgroundColor: "#16a34a" },
      ] },
      options: { animation: false, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    }));
    tables.replaceChildren(tables.firstChild, h("table", {},
      h("thead", {}, h("tr", {}, ...["Day", "Active", "Posts", "Replies", "Reactions", "Engagement", "Joined", "Negative", "Neutral", "Positive"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...report.days.map((d) => h("tr", { dataset: { day: d.day } }, h("th", { scope: "row" }, d.day),
        ...[d.activeMembers, d.posts, d.replies, d.reactions, d.engagementPerPost.toFixed(2), d.joined, mooded(d).negative, mooded(d).neutral, mooded(d).positive].map((v) => h("td", {}, v)))))));
    const groups = report.sentimentBreakdown ?? { channels: [], campaigns: [], sources: [] };
    const rows = [["Channel", groups.channels], ["Campaign", groups.campaigns], ["Source", groups.sources]].flatMap(([kind, list]) => list.map((g) => [kind, g]));
    breakdown.replaceChildren(rows.length === 0 ? h("p", { class: "muted" }, "No posts or comments were scored in this range.") : h("table", {},
      h("thead", {}, h("tr", {}, ...["By", "Name", "Scored", "Negative %", "Neutral %", "Positive %"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...rows.map(([kind, g]) => h("tr", {}, h("td", {}, kind), h("th", { scope: "row" }, g.key), h("td", {}, g.sentiment.scored),
        ...[g.sentiment.negativeShare, g.sentiment.neutralShare, g.sentiment.positiveShare].map((v) => h("td", {}, (v * 100).toFixed(0))))))));
    cohorts.replaceChildren(report.cohorts.length === 0 ? h("p", { class: "muted" }, "No one joined in this range.") : h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Joined (week)"), h("th", { scope: "col" }, "Members"), h("th", { scope: "col" }, "Active in the weeks after"))),
      h("tbody", {}, ...report.cohorts.map((c) => h("tr", {}, h("th", { scope: "row" }, c.joinWeek), h("td", {}, c.size),
        h("td", {}, c.weeks.map((w) => `${w.week}: ${Math.round(w.share * 100)}%`).join(" · ")))))));
  }

  async function downloadCsv() {
    const response = await fetch(`/api/communities/${communityId}/kpis.csv?from=${range.from}&to=${range.to}`, { headers: { Authorization: `Bearer ${session.token}` } });
    if (!response.ok) throw new Error(`${response.status}: the CSV could not be made`);
    const link = h("a", { href: URL.createObjectURL(await response.blob()), download: `kpis-${communityId}-${range.from}-${range.to}.csv` });
    link.click();
    URL.revokeObjectURL(link.href);
  }

  // Live: a changed day in the range replaces its row (totals need the sets, so they are asked for again, at most every 5 s).
  let reloadTimer = null;
  const off = [
    on("KpiUpdated", (row) => {
      if (row.communityId !== communityId || !report || row.day < range.from || row.day > range.to) return;
      const index = report.days.findIndex((d) => d.day === row.day);
      if (index >= 0) report.days[index] = row; else report.days.push(row);
      draw();
      reloadTimer ??= setTimeout(() => { reloadTimer = null; load().catch(showError); }, 5000);
    }),
    on("reconnected", () => invoke("WatchKpis", communityId).catch(showError)),
  ];
  await invoke("WatchKpis", communityId);
  await load();
  return () => {
    off.forEach((unsubscribe) => unsubscribe());
    clearTimeout(reloadTimer);
    charts.forEach((c) => c.destroy());
    invoke("UnwatchKpis", communityId).catch(() => {});
  };
}
