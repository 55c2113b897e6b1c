import { h, field, form } from "../dom.js";
import { get, post } from "../api.js";

/** Your communities, joining one (its guidelines first, with your consent), creating one. */
export async function render(view) {
  const list = h("ul", { class: "cards", "aria-label": "Your communities" });
  const guidelines = h("div", { class: "guidelines", "aria-live": "polite" });
  view.append(
    h("h1", {}, "Communities"),
    list,
    h("h2", {}, "Join a community"),
    form({ class: "row", "aria-label": "Find a community" }, [
      field("Community id", h("input", { name: "id", required: true, pattern: "[a-z0-9-]{1,64}" })),
      h("button", { type: "submit" }, "Show its guidelines"),
    ], async ({ id }) => showGuidelines(guidelines, id.trim())),
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

async function showGuidelines(box, id) {
  const [community, guidelines] = await Promise.all([get(`/api/communities/${id}`), get(`/api/communities/${id}/guidelines`)]);
  box.replaceChildren(
    h("h3", {}, community.name),
    guidelines.version > 0
      ? h("div", {}, h("p", {}, `Community guidelines, version ${guidelines.version}:`), h("blockquote", { class: "prewrap" }, guidelines.text))
      : h("p", {}, "This community has not published guidelines."),
    form({ class: "stack", "aria-label": "Join" }, [
      guidelines.version > 0 ? h("label", { class: "check" }, h("input", { type: "checkbox", name: "accept", required: true }), ` I accept the guidelines (version ${guidelines.version})`) : null,
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "marketing" }), " Send me news from this community (optional; you can change it any time)"),
      h("button", { type: "submit" }, "Join"),
    ], async (values) => {
      await post(`/api/communities/${id}/members`, { guidelinesVersion: guidelines.version, marketing: values.marketing === "on" });
      location.hash = `#/c/${id}`;
    }));
}
