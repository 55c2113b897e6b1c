import { glyph, h, form, showError, time } from "../dom.js";
import { get, post } from "../api.js";
import { invoke, on } from "../hub.js";
import { session } from "../session.js";

/**
 * A live channel. It keeps the last seq it has shown: live messages at or below it are ignored, a gap or a reconnect
 * joins again with that seq (the gateway sends exactly what was missed), and "earlier messages" pages back over REST.
 */
export async function render(view, [communityId, channelId], app) {
  const standing = await app.community(communityId);
  const [channels, settings] = await Promise.all([get(`/api/communities/${communityId}/channels`), get(`/api/communities/${communityId}/forum/settings`)]);
  const channel = channels.find((c) => c.id === channelId);
  if (!channel) throw new Error(`not_found: there is no channel '${channelId}' here.`);

  let lastSeq = 0;
  let firstSeq = null;
  const items = new Map();
  const list = h("ol", { class: "messages", "aria-live": "polite", "aria-relevant": "additions", "aria-label": `Messages in ${channel.name}` });
  const presence = h("span", { class: "muted", role: "status" });
  const earlier = h("button", { type: "button", class: "link", hidden: true, onclick: () => loadEarlier().catch(showError) }, "Load earlier messages");
  const text = h("input", { name: "text", autocomplete: "off", maxlength: channel.maxMessageLength, required: true, "aria-label": "Message", placeholder: `Message #${channel.name}` });

  view.append(
    h("h1", {}, `# ${channel.name}`), presence,
    h("div", { class: "scroller" }, earlier, list),
    form({ class: "composer", "aria-label": "Send a message" }, [text, h("button", { type: "submit" }, "Send")], async () => {
      const body = text.value.trim();
      if (!body) return;
      const ack = await invoke("SendMessage", communityId, channelId, body, crypto.randomUUID());
      text.value = "";
      if (ack.held) notice("Your message is waiting for a moderator's review.");
    }));

  function notice(message) {
    list.append(h("li", { class: "system" }, message));
  }

  function show(message) {
    const existing = items.get(message.seq);
    const el = renderMessage(message);
    if (existing) {
      existing.replaceWith(el);
    } else {
      const after = [...items.keys()].filter((s) => s < message.seq).sort((a, b) => b - a)[0];
      if (after === undefined) list.prepend(el);
      else items.get(after).after(el);
    }
    items.set(message.seq, el);
    if (firstSeq === null || message.seq < firstSeq) firstSeq = message.seq;
    earlier.hidden = firstSeq <= 1;
  }

  function renderMessage(m) {
    const mine = m.authorId === session.userId;
    const li = h("li", { class: m.removed ? "message removed" : "message", dataset: { seq: m.seq } });
    // The message stays with its element, so live reaction counts can redraw it.
    li.__message = m;
    if (m.removed) {
      li.append(h("span", { class: "muted" }, "Message removed"));
      return li;
    }
    li.append(
      h("div", { class: "meta" }, h("strong", {}, m.authorName), " ", time(m.sentAt), m.editedAt ? h("span", { class: "muted" }, " (edited)") : null),
      h("p", { class: "text" }, m.text));
    for (const file of m.attachments ?? []) {
      li.append(h("button", { type: "button", class: "link", onclick: async () => {
        const link = await get(`/api/communities/${communityId}/attachments/${file.id}/link`);
        window.open(link.url, "_blank", "noopener");
      } }, `📎 ${file.fileName}`));
    }
    const reactions = h("div", { class: "reactions", role: "group", "aria-label": "Reactions" });
    for (const emoji of settings.reactions) {
      const count = m.reactions?.[emoji] ?? 0;
      reactions.append(h("button", { type: "button", class: count ? "reaction on" : "reaction", "aria-label": `React ${emoji}${count ? `, ${count} so far` : ""}`,
        onclick: () => invoke("React", communityId, channelId, m.seq, emoji, !(m.mine ?? []).includes(emoji)).then((r) => {
          m.mine = r.mine;
          m.reactions = r.counts;
          show(m);
        }).catch(showError) }, glyph(emoji), count ? ` ${count}` : ""));
    }
    li.append(reactions);
    const actions = h("div", { class: "actions" });
    if (mine) {
      actions.append(h("button", { type: "button", class: "link", onclick: () => {
        const edited = prompt("Edit your message", m.text);
        if (edited && edited.trim() && edited !== m.text) invoke("EditMessage", communityId, channelId, m.seq, edited.trim()).then(show).catch(showError);
      } }, "Edit"));
    }
    if (mine || standing.moderator) {
      actions.append(h("button", { type: "button", class: "link", "aria-label": `Remove message ${m.seq}`,
        onclick: () => invoke("RemoveMessage", communityId, channelId, m.seq, mine ? null : "removed by a moderator").catch(showError) }, "Remove"));
    }
    if (standing.moderator && !mine) {
      actions.append(
        h("button", { type: "button", class: "link", onclick: () => post(`/api/communities/${communityId}/moderation/members/${m.authorId}/mute`, { minutes: 10, reason: "muted from chat" }).then(() => notice(`${m.authorName} is muted for 10 minutes.`)).catch(showError) }, "Mute 10 min"),
        h("button", { type: "button", class: "link", onclick: () => {
          const reason = prompt(`Ban ${m.authorName}? Reason:`);
          if (reason !== null) post(`/api/communities/${communityId}/moderation/members/${m.authorId}/ban`, { reason }).then(() => notice(`${m.authorName} is banned.`)).catch(showError);
        } }, "Ban"));
    } else if (!mine) {
      actions.append(h("button", { type: "button", class: "link", onclick: () => {
        const reason = prompt("Why should a moderator look at this message?");
        if (reason !== null) post(`/api/communities/${communityId}/channels/${channelId}/messages/${m.seq}/report`, { reason }).then(() => notice("Thank you: the moderators will look at it.")).catch(showError);
      } }, "Report"));
    }
    li.append(actions);
    return li;
  }

  function take(messages) {
    for (const m of messages) {
      if (m.seq > lastSeq) lastSeq = m.seq;
      show(m);
    }
  }

  // A join (first, after a gap, after a reconnect) returns what follows `after`; more than a page asks again.
  async function join(after) {
    for (;;) {
      const result = await invoke("JoinChannel", communityId, channelId, after);
      take(result.messages);
      if (!result.hasMore) return;
      after = lastSeq;
    }
  }

  async function loadEarlier() {
    const from = Math.max(0, firstSeq - 51);
    const page = await get(`/api/communities/${communityId}/channels/${channelId}/messages?afterSeq=${from}&limit=${firstSeq - 1 - from}`);
    for (const m of page.messages) show(m);
  }

  let filling = null;
  const forChannel = (handler) => (payload) => {
    if (payload.communityId === communityId && payload.channelId === channelId) handler(payload);
  };
  const off = [
    on("ChannelMessage", forChannel((m) => {
      if (m.seq <= lastSeq) return;
      if (m.seq > lastSeq + 1) {
        filling ??= join(lastSeq).catch(showError).finally(() => { filling = null; });
        return;
      }
      take([m]);
    })),
    on("MessageRemoved", forChannel((n) => { if (items.has(n.seq)) show({ seq: n.seq, removed: true }); })),
    on("MessageRestored", forChannel(show)),
    on("MessageEdited", forChannel(show)),
    on("MessageReactions", forChannel((r) => {
      const el = items.get(r.seq);
      if (!el) return;
      const message = el.__message;
      if (message) { message.reactions = r.counts; show(message); }
    })),
    on("Presence", forChannel((p) => { presence.textContent = `${p.online} online`; })),
    on("reconnected", () => join(lastSeq).catch(showError)),
  ];

  await join(null);
  text.focus();
  return () => {
    off.forEach((unsubscribe) => unsubscribe());
    invoke("LeaveChannel", communityId, channelId).catch(() => {});
  };
}
