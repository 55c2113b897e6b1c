import { glyph, h, form, newId, showError, time } from "../dom.js";
import { get, post } from "../api.js";
import { seqFeed } from "../feed.js";
import { invoke, on } from "../hub.js";
import { session } from "../session.js";

/**
 * A live channel. It keeps the last seq it has shown: live messages at or below it are ignored, a gap or a reconnect
 * joins again with that seq (the gateway sends exactly what was missed), and "earlier messages" pages back over REST.
 */
export async function render(view, [communityId, channelId], app) {
  const standing = await app.community(communityId);
  const [channels, settings, mine] = await Promise.all([get(`/api/communities/${communityId}/channels`), get(`/api/communities/${communityId}/forum/settings`),
    get(`/api/communities/${communityId}/channels/${channelId}/permissions/me`).catch(() => ({ permissions: [] }))]);
  const channel = channels.find((c) => c.id === channelId);
  if (!channel) throw new Error(`not_found: there is no channel '${channelId}' here.`);
  // What the reader may do here decides what the page offers: an announcement channel shows no composer to fans.
  const may = new Set(mine.permissions);

  let firstSeq = null;
  const items = new Map();
  const list = h("ol", { class: "messages", "aria-live": "polite", "aria-relevant": "additions", "aria-label": `Messages in ${channel.name}` });
  const presence = h("span", { class: "muted", role: "status" });
  const earlier = h("button", { type: "button", class: "link", hidden: true, onclick: () => loadEarlier().catch(showError) }, "Load earlier messages");
  const text = h("input", { name: "text", autocomplete: "off", maxlength: channel.maxMessageLength, required: true, "aria-label": "Message", placeholder: `Message #${channel.name}` });
  const scroller = h("div", { class: "scroller" }, earlier, list);
  // A send keeps its id until it is acknowledged or finally refused, so retrying after "unavailable" is never stored twice.
  let attempt = null;

  const readOnly = h("p", { class: "muted composer", role: "note" }, "You can read this channel; posting here is for some roles only.");
  view.append(
    h("h1", {}, `# ${channel.name}`), presence,
    ...(standing.may.has("manage_roles") ? [h("p", {}, h("a", { href: `#/c/${communityId}/access/channels/${channelId}` }, "Channel access"))] : []),
    scroller,
    may.has("send") ? composer() : readOnly);

  function composer() {
    return form({ class: "composer", "aria-label": "Send a message" }, [text, h("button", { type: "submit" }, "Send")], async () => {
      const body = text.value.trim();
      if (!body) return;
      if (attempt?.text !== body) attempt = { text: body, id: newId() };
      try {
        const ack = await invoke("SendMessage", communityId, channelId, body, attempt.id);
        attempt = null;
        text.value = "";
        if (ack.held) notice("Your message is waiting for a moderator's review.");
      } catch (err) {
        if (!/unavailable|connection/i.test(String(err))) attempt = null;
        throw err;
      }
    });
  }

  function notice(message) {
    list.append(h("li", { class: "system" }, message));
  }

  function show(message) {
    const stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
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
    // Follow new messages when the reader is at the bottom; leave them where they are when they scrolled up to read.
    if (stick && message.seq === feed.lastSeq) scroller.scrollTop = scroller.scrollHeight;
  }

  function renderMessage(m) {
    const mine = m.authorId === session.userId;
    // A granted @everyone or @here is for every reader, so it is marked for all, not only for the one it names.
    const li = h("li", { class: m.removed ? "message removed" : m.mentionsEveryone ? "message mentions-everyone" : "message", dataset: { seq: m.seq } });
    // The message stays with its element, so live reaction counts can redraw it.
    li.__message = m;
    if (m.removed) {
      li.append(h("span", { class: "muted" }, "Message removed"));
      return li;
    }
    li.append(
      h("div", { class: "meta" }, h("strong", {}, m.authorName), " ", time(m.sentAt), m.editedAt ? h("span", { class: "muted" }, " (edited)") : null,
        m.mentionsEveryone ? h("span", { class: "visually-hidden" }, " mentions everyone") : null),
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
      const mine = (m.mine ?? []).includes(emoji);
      reactions.append(h("button", { type: "button", class: count ? "reaction on" : "reaction", "aria-pressed": String(mine), "aria-label": `React ${emoji}${count ? `, ${count} so far` : ""}`,
        disabled: !may.has("react"), onclick: () => react(m.seq, emoji, !mine).catch(showError) }, glyph(emoji), count ? ` ${count}` : ""));
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

  // Messages do not say which reactions are the reader's own (after a reload they are unknown): an "add" that changed
  // nothing was one already, so it is taken back instead.
  async function react(seq, emoji, on) {
    const before = items.get(seq)?.__message?.reactions?.[emoji] ?? 0;
    let r = await invoke("React", communityId, channelId, seq, emoji, on);
    if (on && (r.counts[emoji] ?? 0) === before && r.mine.includes(emoji)) r = await invoke("React", communityId, channelId, seq, emoji, false);
    const current = items.get(seq)?.__message;
    if (current && !current.removed) show({ ...current, reactions: r.counts, mine: r.mine });
  }

  const feed = seqFeed(async (after) => {
    const result = await invoke("JoinChannel", communityId, channelId, after);
    return { items: result.messages, hasMore: result.hasMore };
  }, show);

  async function loadEarlier() {
    const from = Math.max(0, firstSeq - 51);
    const page = await get(`/api/communities/${communityId}/channels/${channelId}/messages?afterSeq=${from}&limit=${firstSeq - 1 - from}`);
    // Keep the reader's place: what they were reading stays where it was on the screen.
    const fromBottom = scroller.scrollHeight - scroller.scrollTop;
    for (const m of page.messages) show(m);
    scroller.scrollTop = scroller.scrollHeight - fromBottom;
  }

  const forChannel = (handler) => (payload) => {
    if (payload.communityId === communityId && payload.channelId === channelId) handler(payload);
  };
  const off = [
    on("ChannelMessage", forChannel(feed.live)),
    on("MessageRemoved", forChannel((n) => { if (items.has(n.seq)) show({ seq: n.seq, removed: true }); })),
    // Only messages on screen change: others are shown as they are when paged to.
    on("MessageRestored", forChannel((m) => { if (items.has(m.seq)) show(m); })),
    on("MessageEdited", forChannel((m) => { if (items.has(m.seq)) show({ ...m, mine: items.get(m.seq).__message?.mine }); })),
    on("MessageReactions", forChannel((r) => {
      const message = items.get(r.seq)?.__message;
      if (message && !message.removed) show({ ...message, reactions: r.counts });
    })),
    on("Presence", forChannel((p) => { presence.textContent = `${p.online} online`; })),
    // A role or an override changed: the gateway stopped sending this channel; say so and offer nothing more.
    on("ChannelAccessLost", forChannel(() => {
      notice("You can no longer see this channel.");
      view.querySelector("form.composer")?.replaceWith(h("p", { class: "muted composer", role: "note" }, "This channel is no longer open to you."));
    })),
    on("reconnected", () => feed.join().catch(showError)),
  ];

  await feed.join(null);
  scroller.scrollTop = scroller.scrollHeight;
  text.focus();
  return () => {
    off.forEach((unsubscribe) => unsubscribe());
    invoke("LeaveChannel", communityId, channelId).catch(() => {});
  };
}
