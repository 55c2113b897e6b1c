import { h, field, form, showError, time } from "../dom.js";
import { get, post, put, del } from "../api.js";
import { on } from "../hub.js";

/** The review queue, live: held messages, reports and appeals to decide; member sanctions; slow mode; the audit log. */
export async function render(view, [communityId], app) {
  const standing = await app.community(communityId);
  if (!standing.moderator) throw new Error("forbidden: only moderators, admins and the owner moderate.");
  const base = `/api/communities/${communityId}`;
  const queue = h("ul", { class: "cards", "aria-live": "polite", "aria-label": "Review queue" });
  const audit = h("ol", { class: "audit", "aria-label": "Audit log" });

  view.append(
    h("h1", {}, "Moderation"),
    h("h2", {}, "Review queue"), queue,
    h("h2", {}, "A member"),
    form({ class: "row", "aria-label": "Sanction a member" }, [
      field("User id", h("input", { name: "userId", required: true, pattern: "[a-z0-9-]{1,64}" })),
      field("Action", h("select", { name: "action" }, ...["warn", "mute", "unmute", "ban", "unban"].map((a) => h("option", { value: a }, a)))),
      field("Minutes (mute)", h("input", { name: "minutes", type: "number", min: 1, value: 60 })),
      field("Reason", h("input", { name: "reason", maxlength: 500 })),
      h("button", { type: "submit" }, "Apply"),
    ], async ({ userId, action, minutes, reason }) => {
      const member = `${base}/moderation/members/${userId.trim()}`;
      if (action === "warn") await post(`${member}/warn`, { reason });
      if (action === "mute") await post(`${member}/mute`, { minutes: Number(minutes), reason });
      if (action === "unmute") await del(`${member}/mute`);
      if (action === "ban") await post(`${member}/ban`, { reason });
      if (action === "unban") await del(`${member}/ban`);
      await refreshAudit();
    }),
    h("h2", {}, "Slow mode"),
    form({ class: "row", "aria-label": "Slow mode" }, [
      field("Channel id", h("input", { name: "channel", required: true, pattern: "[a-z0-9-]{1,64}" })),
      field("Seconds between a member's messages (0: off)", h("input", { name: "seconds", type: "number", min: 0, max: 21600, value: 30 })),
      h("button", { type: "submit" }, "Set"),
    ], async ({ channel, seconds }) => {
      await put(`${base}/channels/${channel.trim()}/slow-mode`, { seconds: Number(seconds) });
      await refreshAudit();
    }),
    h("h2", {}, "Audit log"), audit);

  async function refreshQueue() {
    const items = await get(`${base}/moderation/queue`);
    queue.replaceChildren(...(items.length === 0 ? [h("li", { class: "muted" }, "Nothing waits for review.")] : items.map(renderItem)));
  }

  function renderItem(item) {
    const where = item.threadId ? `thread ${item.threadId}` : `#${item.channelId}${item.seq ? ` · message ${item.seq}` : ""}`;
    return h("li", { class: "card" },
      h("div", { class: "meta" }, h("strong", {}, item.kind), " · ", where, " · ", item.authorName, " · ", time(item.createdAt),
        item.reports ? ` · ${item.reports} report(s)` : "", item.hidden ? " · hidden" : ""),
      h("p", { class: "text" }, item.text),
      h("p", { class: "muted" }, item.reason),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => post(`${base}/moderation/queue/${item.id}/approve`).then(refreshAll).catch(showError) }, "Approve"),
        h("button", { type: "button", onclick: () => {
          const reason = prompt("Reason for rejecting", "against the guidelines");
          if (reason !== null) post(`${base}/moderation/queue/${item.id}/reject`, { reason }).then(refreshAll).catch(showError);
        } }, "Reject")));
  }

  async function refreshAudit() {
    const page = await get(`${base}/moderation/audit?limit=20`);
    audit.replaceChildren(...page.entries.map((e) => h("li", {}, time(e.at), " ", h("strong", {}, e.actor), ` ${e.action} ${e.target}`, e.reason ? ` — ${e.reason}` : "")));
  }

  const refreshAll = () => Promise.all([refreshQueue(), refreshAudit()]);
  const off = [
    on("ModerationEvent", (e) => { if (e.communityId === communityId) refreshQueue().catch(showError); }),
    on("reconnected", () => refreshAll().catch(showError)),
  ];
  await refreshAll();
  return () => off.forEach((unsubscribe) => unsubscribe());
}
