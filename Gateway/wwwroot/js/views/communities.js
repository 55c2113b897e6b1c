import { h, field, form } from "../dom.js";
import { get, post } from "../api.js";
import { showJoin } from "../joining.js";

/** Your communities, joining one (its guidelines first, with your consent; an invite's code or a request where needed), creating one. */
export async function render(view) {
  const list = h("ul", { class: "cards", "aria-label": "Your communities" });
  const guidelines = h("div", { class: "guidelines", "aria-live": "polite" });
  view.append(
    h("h1", {}, "Communities"),
    list,
    h("h2", {}, "Join a community"),
    form({ class: "row", "aria-label": "Find a community" }, [
      field("Community id", h("input", { name: "id", required: true, pattern: "[a-z0-9-]{1,64}" })),
      field("Invite code (if you have one)", h("input", { name: "invite", pattern: "[a-z0-9-]{1,64}", autocomplete: "off" })),
      h("button", { type: "submit" }, "Show its guidelines"),
    ], async ({ id, invite }) => showJoin(guidelines, id.trim(), { invite: invite.trim() || null })),
    guidelines,
    h("h2", {}, "Create a community"),
    form({ class: "row", "aria-label": "Create a community" }, [
      field("Id", h("input", { name: "id", required: true, pattern: "[a-z0-9-]{1,64}" })),
      field("Name", h("input", { name: "name", required: true, maxlength: 100 })),
      h("button", { type: "submit" }, "Create"),
    ], async ({ id, name }) => {
      await post("/api/communities", { id: id.trim(), name: name.trim() });
      location.hash = `#/c/${id.trim()}`;
    }));

  const mine = await get("/api/me/communities");
  list.replaceChildren(...(mine.length === 0 ? [h("li", {}, "You have not joined a community yet.")]
    : mine.map(({ community, membership }) => h("li", {}, h("a", { href: `#/c/${community.id}` }, community.name), " ", h("span", { class: "muted" }, membership.role)))));
}
