import { h, field, form } from "../dom.js";
import { get, post, put } from "../api.js";

/** A community's home: consent renewal when the guidelines changed, its channels, creating one (admins). */
export async function render(view, [communityId], app) {
  const standing = await app.community(communityId);
  const channels = h("ul", { class: "cards", "aria-label": "Channels" });
  const consent = h("div");
  view.append(h("h1", {}, standing.info.name), consent, h("h2", {}, "Channels"), channels);
  if (standing.manager) {
    view.append(h("h2", {}, "New channel"), form({ class: "row", "aria-label": "New channel" }, [
      field("Id", h("input", { name: "id", required: true, pattern: "[a-z0-9-]{1,64}" })),
      field("Name", h("input", { name: "name", required: true, maxlength: 100 })),
      h("button", { type: "submit" }, "Create channel"),
    ], async ({ id, name }) => {
      await post(`/api/communities/${communityId}/channels`, { id: id.trim(), name: name.trim() });
      location.hash = `#/c/${communityId}/chat/${id.trim()}`;
    }));
  }

  const status = await get(`/api/communities/${communityId}/members/me/consent`);
  if (status.required) {
    consent.replaceChildren(h("section", { class: "notice", "aria-label": "New guidelines" },
      h("h2", {}, `The guidelines changed (version ${status.current.version})`),
      h("blockquote", { class: "prewrap" }, status.current.text),
      form({}, [h("button", { type: "submit" }, "Accept and continue")], async () => {
        await put(`/api/communities/${communityId}/members/me/consent`, { guidelinesVersion: status.current.version, marketing: status.marketing });
        consent.replaceChildren(h("p", { class: "ok" }, "Thank you: you can post again."));
      })));
  }

  const list = await get(`/api/communities/${communityId}/channels`);
  channels.replaceChildren(...(list.length === 0 ? [h("li", {}, "No channels yet.")]
    : list.map((c) => h("li", {}, h("a", { href: `#/c/${communityId}/chat/${c.id}` }, `# ${c.name}`)))));
}
