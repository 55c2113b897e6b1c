import { fill, glyph, h, form, newId, showError, time } from "../dom.js";
import { del, get, post, put } from "../api.js";
import { seqFeed } from "../feed.js";
import { invoke, on } from "../hub.js";
import { session } from "../session.js";

/** One thread, live: posts in seq order (server-rendered, sanitised HTML), reply, react, accept an answer, follow, vote. */
export async function render(view, [communityId, threadId], app) {
  const standing = await app.community(communityId);
  const base = `/api/communities/${communityId}/threads/${threadId}`;
  const [settings, allowed] = await Promise.all([get(`/api/communities/${communityId}/forum/settings`),
    get(`${base}/permissions/me`).catch(() => ({ permissions: [] }))]);
  // What the reader may do in the thread's category decides what the page offers: an announcement category shows fans no reply box.
  const may = new Set(allowed.permissions);
  let summary = null;
  let following = false;
  const posts = new Map();
  const title = h("h1", {});
  const meta = h("p", { class: "meta" });
  const tools = h("div", { class: "row" });
  const list = h("ol", { class: "posts", "aria-live": "polite", "aria-relevant": "additions" });
  const body = h("textarea", { name: "body", required: true, rows: 4, "aria-label": "Your reply (Markdown)" });
  const readOnly = h("p", { class: "muted", role: "note" }, "You can read this thread; replying here is for some roles only.");
  view.append(title, meta, tools, list, may.has("reply") ? form({ class: "stack", "aria-label": "Reply" }, [body, h("button", { type: "submit" }, "Reply")], async ({ body: text }) => {
    const outcome = await post(`${base}/posts`, { body: text, clientPostId: newId() });
    body.value = "";
    if (outcome.held) list.append(h("li", { class: "system" }, "Your reply is waiting for a moderator's review."));
  }) : readOnly);

  function drawSummary() {
    title.textContent = summary.title;
    meta.replaceChildren(`${summary.kind} by ${summary.authorName} · `, time(summary.createdAt), summary.kind === "Idea" ? ` · ${summary.votes} votes · ${summary.status}` : "", summary.removed ? " · removed" : "");
    fill(tools,
      h("button", { type: "button", "aria-pressed": String(following), onclick: async () => {
        try {
          await (following ? del(`${base}/follow`) : put(`${base}/follow`));
          following = !following;
        } catch (err) {
          showError(err);
        }
        drawSummary();
      } }, following ? "Following" : "Follow"),
      summary.kind === "Idea" ? h("button", { type: "button", onclick: () => put(`${base}/vote`).then((s) => { summary = s; drawSummary(); }).catch(showError) }, "Vote for this idea") : null);
  }

  function show(p) {
    const el = h("li", { class: p.removed ? "post removed" : p.mentionsEveryone ? "post mentions-everyone" : "post", dataset: { seq: p.seq } });
    if (p.removed) {
      el.append(h("span", { class: "muted" }, "Post removed"));
    } else {
      const content = h("div", { class: "markdown" });
      content.innerHTML = p.html; // rendered and sanitised by the server
      const accepted = summary.acceptedSeq === p.seq;
      el.append(h("div", { class: "meta" }, h("strong", {}, p.authorName), " ", time(p.createdAt), p.editedAt ? " (edited)" : "",
        p.mentionsEveryone ? h("span", { class: "visually-hidden" }, " mentions everyone") : null, accepted ? h("span", { class: "ok" }, " ✔ accepted answer") : null), content,
        h("div", { class: "reactions", role: "group", "aria-label": "Reactions" }, ...settings.reactions.map((emoji) => {
          const count = p.reactions?.[emoji] ?? 0;
          return h("button", { type: "button", class: count ? "reaction on" : "reaction", "aria-pressed": String((p.mine ?? []).includes(emoji)), "aria-label": `React ${emoji}`, disabled: !may.has("react"), onclick: () => {
            const mine = (p.mine ?? []).includes(emoji);
            (mine ? del(`${base}/posts/${p.seq}/reactions/${encodeURIComponent(emoji)}`) : put(`${base}/posts/${p.seq}/reactions/${encodeURIComponent(emoji)}`))
              .then((r) => {
                const current = posts.get(p.seq)?.__post;
                if (current && !current.removed) show({ ...current, reactions: r.counts, mine: r.mine });
              }).catch(showError);
          } }, glyph(emoji), count ? ` ${count}` : "");
        })),
        h("div", { class: "actions" },
          summary.kind === "Question" && p.seq > 1 && summary.authorId === session.userId && !accepted
            ? h("button", { type: "button", class: "link", onclick: () => put(`${base}/accepted`, { postId: p.postId }).then((s) => { summary = s; drawSummary(); redraw(); }).catch(showError) }, "Accept as answer") : null,
          p.authorId === session.userId || standing.moderator
            ? h("button", { type: "button", class: "link", onclick: () => del(`${base}/posts/${p.seq}`).catch(showError) }, "Remove") : null));
    }
    el.__post = p;
    const existing = posts.get(p.seq);
    if (existing) existing.replaceWith(el); else list.append(el);
    posts.set(p.seq, el);
  }

  const redraw = () => [...posts.values()].forEach((el) => show(el.__post));

  const feed = seqFeed(async (after) => {
    const result = await invoke("JoinThread", communityId, threadId, after);
    summary = result.thread;
    following = result.following;
    drawSummary();
    return { items: result.posts, hasMore: result.hasMore };
  }, show);

  const mine = (handler) => (payload) => { if (payload.communityId === communityId && payload.threadId === threadId) handler(payload); };
  const off = [
    on("ThreadPost", mine(feed.live)),
    on("PostEdited", mine(show)),
    on("PostRemoved", mine((n) => { const el = posts.get(n.seq); if (el) show({ ...el.__post, removed: true }); })),
    on("PostReactions", mine((r) => { const el = posts.get(r.seq); if (el) show({ ...el.__post, reactions: r.counts }); })),
    on("ThreadUpdated", mine((s) => { summary = s; drawSummary(); redraw(); })),
    // Its category's access changed: the gateway stopped sending this thread; say so and offer no reply.
    on("ThreadAccessLost", mine(() => {
      view.querySelector("form[aria-label=\"Reply\"]")?.replaceWith(h("p", { class: "muted", role: "note" }, "This thread is no longer open to you."));
    })),
    on("reconnected", () => feed.join().catch(showError)),
  ];
  await feed.join(null);
  return () => {
    off.forEach((unsubscribe) => unsubscribe());
    invoke("LeaveThread", communityId, threadId).catch(() => {});
  };
}
