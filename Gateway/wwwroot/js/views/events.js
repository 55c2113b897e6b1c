import { h, field, form, time } from "../dom.js";
import { get, post } from "../api.js";

/** The community's events (agenda at a glance); admins create one. */
export async function render(view, [communityId], app) {
  const standing = await app.community(communityId);
  const list = h("ul", { class: "cards", "aria-label": "Events" });
  view.append(h("h1", {}, "Events"), list);
  if (standing.manager) {
    view.append(h("h2", {}, "New event"), form({ class: "stack", "aria-label": "New event" }, [
      field("Id", h("input", { name: "id", required: true, pattern: "[a-z0-9-]{1,64}" })),
      field("Title", h("input", { name: "title", required: true, maxlength: 100 })),
      field("Starts", h("input", { name: "startsAt", type: "datetime-local", required: true })),
      field("Ends", h("input", { name: "endsAt", type: "datetime-local", required: true })),
      field("Capacity", h("input", { name: "capacity", type: "number", min: 1, value: 100, required: true })),
      field("Description", h("textarea", { name: "description", rows: 3, maxlength: 2000 })),
      h("button", { type: "submit" }, "Create event"),
    ], async (v) => {
      const startsAt = new Date(v.startsAt).toISOString();
      const endsAt = new Date(v.endsAt).toISOString();
      await post(`/api/communities/${communityId}/events`, {
        id: v.id, title: v.title, description: v.description || null, startsAt, endsAt, capacity: Number(v.capacity),
        sessions: [{ id: "main", title: v.title, track: null, speakers: null, startsAt, endsAt }],
      });
      location.hash = `#/c/${communityId}/events/${v.id}`;
    }));
  }
  const events = await get(`/api/communities/${communityId}/events`);
  list.replaceChildren(...(events.length === 0 ? [h("li", { class: "muted" }, "No events yet.")] : events.map((e) => h("li", { class: "card" },
    h("a", { href: `#/c/${communityId}/events/${e.id}` }, e.title),
    h("div", { class: "meta" }, time(e.startsAt), ` · ${new Date(e.startsAt).toLocaleDateString()} · ${e.going}/${e.capacity} going`, e.waitlisted ? ` · ${e.waitlisted} waiting` : "")))));
}
