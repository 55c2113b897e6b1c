import { h, fill, form } from "./dom.js";
import { get, post } from "./api.js";

/**
 * Joining a community: its guidelines first, with the visitor's consent; then a join (with an invite's code when they
 * have one), or, in a restricted community without an invite, a request a moderator decides.
 */
export async function showJoin(box, id, { invite = null, heading = "h3" } = {}) {
  // A private community does not exist for a visitor (not_found): with an invite they join it unseen and see it inside.
  const [community, guidelines] = await Promise.all([
    get(`/api/communities/${id}`).catch((err) => {
      if (invite && err.code === "not_found") return null;
      throw err;
    }),
    get(`/api/communities/${id}/guidelines${invite ? `?invite=${encodeURIComponent(invite)}` : ""}`)]);
  const name = community?.name ?? id;
  const asks = !invite && community?.visibility === "Restricted";
  fill(box,
    h(heading, {}, name),
    community ? null : h("p", {}, "You were invited to a private community: you will see it once you have joined."),
    asks ? h("p", {}, "This community is restricted: a moderator approves new members. With an invite code you join at once.") : null,
    guidelines.version > 0
      ? h("div", {}, h("p", {}, `Community guidelines, version ${guidelines.version}:`), h("blockquote", { class: "prewrap" }, guidelines.text))
      : h("p", {}, "This community has not published guidelines."),
    form({ class: "stack", "aria-label": asks ? "Ask to join" : "Join" }, [
      guidelines.version > 0 ? h("label", { class: "check" }, h("input", { type: "checkbox", name: "accept", required: true }), ` I accept the guidelines (version ${guidelines.version})`) : null,
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "marketing" }), " Send me news from this community (optional; you can change it any time)"),
      h("button", { type: "submit" }, asks ? "Ask to join" : "Join"),
    ], async (values) => {
      const consent = { guidelinesVersion: guidelines.version, marketing: values.marketing === "on" };
      if (asks) {
        await post(`/api/communities/${id}/join-requests`, consent);
        fill(box, h("p", { class: "ok", role: "status" }, `Your request to join ${name} waits for a moderator. Once approved, it is in your communities.`));
        return;
      }
      await post(`/api/communities/${id}/members${invite ? `?invite=${encodeURIComponent(invite)}` : ""}`, consent);
      location.hash = `#/c/${id}`;
    }));
}
