import { fill, h, field, form, showError, time } from "../dom.js";
import { api, get, post, put } from "../api.js";
import { invoke, on } from "../hub.js";

/** One event: agenda, RSVP and check-in, each session's live Q&A and polls, and the survey afterwards. */
export async function render(view, [communityId, eventId], app) {
  const standing = await app.community(communityId);
  const base = `/api/communities/${communityId}/events/${eventId}`;
  let e = await get(base);
  const rsvp = h("div", { class: "row", "aria-live": "polite" });
  const session = h("section", { "aria-live": "polite" });
  let current = null;
  let questions = [];
  view.append(h("h1", {}, e.title), h("p", { class: "meta" }, time(e.startsAt), ` ${new Date(e.startsAt).toLocaleDateString()} – `, time(e.endsAt)),
    e.description ? h("p", {}, e.description) : "", rsvp,
    h("h2", {}, "Agenda"),
    h("ol", { class: "cards" }, ...e.sessions.map((s) => h("li", { class: "card" }, h("strong", {}, s.title), " ", time(s.startsAt), s.speakers?.length ? ` · ${s.speakers.join(", ")}` : "",
      " ", h("button", { type: "button", onclick: () => openSession(s).catch(showError) }, "Q&A and polls"),
      " ", h("a", { href: `#/c/${communityId}/chat/${s.channelId}` }, "Chat")))),
    session,
    h("h2", {}, "Survey"),
    form({ class: "row", "aria-label": "Survey" }, [
      field("How satisfied were you? (1–5)", h("input", { name: "satisfaction", type: "number", min: 1, max: 5, required: true })),
      field("Would you recommend it? (0–10)", h("input", { name: "nps", type: "number", min: 0, max: 10, required: true })),
      field("Comment", h("input", { name: "comment", maxlength: 2000 })),
      h("button", { type: "submit" }, "Send"),
    ], async (v) => {
      await put(`${base}/survey`, { satisfaction: Number(v.satisfaction), nps: Number(v.nps), comment: v.comment || null });
      session.before(h("p", { class: "ok" }, "Thank you for your answer."));
    }));

  async function drawRsvp() {
    const state = await get(`${base}/rsvp`);
    e = await get(base);
    rsvp.replaceChildren(
      h("span", {}, state.status === "Going" ? "You are going." : state.status === "Waitlisted" ? `You are on the waitlist (#${state.waitlistPosition}).` : `${e.going}/${e.capacity} going.`),
      state.status === "None"
        ? h("button", { type: "button", onclick: () => put(`${base}/rsvp`).then(drawRsvp).catch(showError) }, "RSVP")
        : h("button", { type: "button", onclick: () => api("DELETE", `${base}/rsvp`).then(drawRsvp).catch(showError) }, "Cancel RSVP"),
      state.checkedIn ? h("span", { class: "ok" }, "Checked in") : h("button", { type: "button", onclick: () => post(`${base}/checkin`).then(drawRsvp).catch(showError) }, "Check in"));
  }

  // The session's forms are built once; live changes redraw only the lists, so a half-typed question keeps its text and focus.
  const questionList = h("ol", { class: "cards", "aria-label": "Questions" });
  const pollList = h("div", { "aria-label": "Polls" });

  async function openSession(s) {
    if (current) await invoke("UnwatchSession", communityId, eventId, current.id).catch(() => {});
    current = s;
    questions = await invoke("WatchSession", communityId, eventId, s.id);
    const sessionBase = `${base}/sessions/${current.id}`;
    fill(session, h("h2", {}, `${current.title}: questions`), questionList,
      form({ class: "row", "aria-label": "Ask a question" }, [
        field("Your question", h("input", { name: "text", required: true, maxlength: 500 })),
        h("button", { type: "submit" }, "Ask"),
      ], async ({ text }, askForm) => { await post(`${sessionBase}/questions`, { text }); askForm.reset(); }),
      h("h2", {}, "Polls"), pollList,
      standing.moderator ? form({ class: "row", "aria-label": "New poll" }, [
        field("Question", h("input", { name: "question", required: true, maxlength: 200 })),
        field("Options (comma-separated)", h("input", { name: "options", required: true })),
        h("button", { type: "submit" }, "Create poll"),
      ], async ({ question, options }, pollForm) => {
        const created = await post(`${sessionBase}/polls`, { question, options: options.split(",").map((o) => o.trim()).filter(Boolean), multiple: false });
        await put(`${sessionBase}/polls/${created.id}/open`, { open: true });
        pollForm.reset();
        await drawSession();
      }) : null);
    await drawSession();
  }

  async function drawSession() {
    const sessionBase = `${base}/sessions/${current.id}`;
    const polls = await get(`${sessionBase}/polls`);
    const ordered = [...questions].sort((a, b) => (b.pinned - a.pinned) || (b.votes - a.votes) || a.askedAt.localeCompare(b.askedAt));
    questionList.replaceChildren(...ordered.filter((q) => !q.hidden || standing.moderator).map((q) => h("li", { class: "card" },
      h("p", {}, q.text), h("div", { class: "meta" }, `${q.authorName} · ${q.votes} votes`, q.answered ? " · answered" : "", q.pinned ? " · pinned" : ""),
      h("button", { type: "button", "aria-label": `Upvote: ${q.text}`, onclick: () => put(`${sessionBase}/questions/${q.id}/vote`).catch(showError) }, "▲ Upvote"))));
    pollList.replaceChildren(...polls.map((p) => pollCard(sessionBase, p)));
  }

  function pollCard(sessionBase, p) {
    const total = p.counts.reduce((a, b) => a + b, 0);
    return h("div", { class: "card", dataset: { poll: p.id } }, h("strong", {}, p.question), p.open ? "" : h("span", { class: "muted" }, " (closed)"),
      h("ul", {}, ...p.options.map((option, i) => h("li", {},
        p.open ? h("button", { type: "button", onclick: () => put(`${sessionBase}/polls/${p.id}/vote`, { choices: [i] }).then(drawSession).catch(showError) }, option) : option,
        " ", h("meter", { min: 0, max: Math.max(total, 1), value: p.counts[i], "aria-label": `${option}: ${p.counts[i]} votes` }), ` ${p.counts[i]}`))),
      standing.moderator ? h("button", { type: "button", onclick: () => put(`${sessionBase}/polls/${p.id}/open`, { open: !p.open }).then(drawSession).catch(showError) }, p.open ? "Close poll" : "Open poll") : null);
  }

  const here = (handler) => (payload) => { if (current && payload.communityId === communityId && payload.eventId === eventId && payload.sessionId === current.id) handler(payload); };
  const off = [
    on("QuestionAsked", here((q) => { questions.push(q); drawSession().catch(showError); })),
    on("QuestionUpdated", here((q) => { questions = questions.map((x) => (x.id === q.id ? q : x)); drawSession().catch(showError); })),
    on("PollUpdated", here(() => drawSession().catch(showError))),
    on("reconnected", () => { if (current) openSession(current).catch(showError); }),
  ];
  await drawRsvp();
  return () => {
    off.forEach((unsubscribe) => unsubscribe());
    if (current) invoke("UnwatchSession", communityId, eventId, current.id).catch(() => {});
  };
}
