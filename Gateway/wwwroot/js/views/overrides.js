import { h, field, fill, form } from "../dom.js";
import { get, put } from "../api.js";
import { permissions } from "../permissions.js";

const states = ["inherit", "allow", "deny"];

/**
 * A channel's overrides (manage_roles): per role or member, each permission allowed, denied or inherited. Edited here
 * and saved whole, because the API replaces a channel's overrides in one call.
 */
export async function render(view, [communityId, channelId], app) {
  const standing = await app.community(communityId);
  if (!standing.may.has("manage_roles")) throw new Error("forbidden: channel overrides need the manage_roles permission.");
  const base = `/api/communities/${communityId}`;
  const [channels, roles, saved] = await Promise.all([get(`${base}/channels`), get(`${base}/roles`), get(`${base}/channels/${channelId}/overrides`)]);
  const channel = channels.find((c) => c.id === channelId);
  if (!channel) throw new Error(`not_found: there is no channel '${channelId}' here.`);
  const names = new Map(roles.map((r) => [r.id, r.name]));
  let targets = saved.map(editable);

  const grid = h("div", { class: "scroll-x" });
  const status = h("p", { role: "status" });
  // Admins and the owner pass every override: naming them here would change nothing.
  const roleChoice = h("select", { name: "role" }, ...roles.filter((r) => r.id !== "admin" && r.id !== "owner").map((r) => h("option", { value: r.id }, r.name)));
  view.append(
    h("h1", {}, `Overrides: # ${channel.name}`),
    h("p", {}, h("a", { href: `#/c/${communityId}/access` }, "Back to access"), " · ", h("a", { href: `#/c/${communityId}/chat/${channelId}` }, "Open the channel")),
    h("p", { class: "muted" }, "The everyone override applies first, then the other roles' overrides, then a member's own; at each level a deny wins over an allow. "
      + "Inherit keeps what the roles give. Without view, nothing else holds in this channel: a staff channel denies view to everyone and allows it to a role."),
    h("div", { class: "row" },
      form({ class: "row", "aria-label": "Add a role" }, [field("Role", roleChoice), h("button", { type: "submit" }, "Add role")], ({ role }) => add({ role })),
      form({ class: "row", "aria-label": "Add a member" }, [
        field("User id", h("input", { name: "member", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "off" })),
        h("button", { type: "submit" }, "Add member"),
      ], ({ member }) => add({ member: member.trim() }))),
    grid,
    form({ class: "row", "aria-label": "Save overrides" }, [h("button", { type: "submit" }, "Save overrides")], save),
    status);
  draw();

  function editable(o) {
    return { role: o.role ?? null, member: o.member ?? null, allow: new Set(o.allow), deny: new Set(o.deny) };
  }

  function nameOf(target) {
    return target.role ? `role ${names.get(target.role) ?? target.role}` : `member ${target.member}`;
  }

  function add(target) {
    if (targets.some((t) => t.role === (target.role ?? null) && t.member === (target.member ?? null))) {
      throw new Error(`invalid: the ${nameOf(target)} already has a column here.`);
    }
    targets.push(editable({ ...target, allow: [], deny: [] }));
    status.textContent = "Not saved yet.";
    draw();
    grid.querySelector("thead th:last-child button")?.focus();
  }

  function draw() {
    if (targets.length === 0) {
      fill(grid, h("p", { class: "muted" }, "No overrides: the members' roles alone decide here."));
      return;
    }
    fill(grid, h("table", { class: "overrides" },
      h("caption", {}, `Overrides on # ${channel.name}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Permission"), ...targets.map((t) => h("th", { scope: "col" }, nameOf(t), " ",
        h("button", { type: "button", class: "link", "aria-label": `Remove ${nameOf(t)}`, onclick: () => {
          targets = targets.filter((x) => x !== t);
          status.textContent = "Not saved yet.";
          draw();
        } }, "Remove"))))),
      h("tbody", {}, ...permissions.map(([permission]) => h("tr", {},
        h("th", { scope: "row" }, h("code", {}, permission)),
        ...targets.map((t) => h("td", {}, choice(t, permission))))))));
  }

  function choice(target, permission) {
    const current = target.allow.has(permission) ? "allow" : target.deny.has(permission) ? "deny" : "inherit";
    const select = h("select", { "aria-label": `${permission} for ${nameOf(target)}`, dataset: { state: current } },
      ...states.map((s) => h("option", { value: s, selected: s === current }, s)));
    select.addEventListener("change", () => {
      target.allow.delete(permission);
      target.deny.delete(permission);
      if (select.value !== "inherit") target[select.value].add(permission);
      select.dataset.state = select.value;
      status.textContent = "Not saved yet.";
    });
    return select;
  }

  async function save() {
    // A column left all "inherit" is no override at all.
    const body = targets.filter((t) => t.allow.size + t.deny.size > 0)
      .map((t) => ({ ...(t.role ? { role: t.role } : { member: t.member }), allow: [...t.allow], deny: [...t.deny] }));
    targets = (await put(`${base}/channels/${channelId}/overrides`, { overrides: body })).map(editable);
    draw();
    status.textContent = "Saved.";
  }
}
