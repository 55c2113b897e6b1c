import { h, dateTime, field, fill, form, showError } from "../dom.js";
import { get, post, put, del } from "../api.js";
import { permissions, roleLabel } from "../permissions.js";

/**
 * Who may do what in a community. Members with manage_roles: roles, a member's roles, the channels' overrides; admins
 * and the owner also the visibility; members with moderate: invites and join requests. Each part shows only to those
 * the API lets act there, and the API still decides (its refusals show in the page's alert).
 */
export async function render(view, [communityId], app) {
  const standing = await app.community(communityId);
  if (!standing.access) throw new Error("forbidden: managing access needs the manage_roles or moderate permission.");
  const base = `/api/communities/${communityId}`;
  view.append(h("h1", {}, "Access"));
  const loads = [];
  if (standing.may.has("manage_roles")) loads.push(roles(view, base, communityId));
  if (standing.manager) visibility(view, base, standing);
  if (standing.may.has("moderate")) loads.push(invites(view, base, communityId), joinRequests(view, base));
  await Promise.all(loads);
}

async function roles(view, base, communityId) {
  const rows = h("tbody");
  const editor = h("div");
  const status = h("p", { class: "ok", role: "status" });
  const member = h("div");
  const channels = h("ul", { class: "cards", "aria-label": "Channels" });
  let list = [];
  view.append(
    h("h2", {}, "Roles"),
    h("div", { class: "scroll-x" }, h("table", { "aria-label": "Roles" },
      h("thead", {}, h("tr", {}, ...["Role", "Position", "Permissions", "Actions"].map((c) => h("th", { scope: "col" }, c)))), rows)),
    status,
    editor,
    h("h2", {}, "A member's roles"),
    form({ class: "row", "aria-label": "Find a member" }, [
      field("User id", h("input", { name: "userId", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "off" })),
      h("button", { type: "submit" }, "Show their roles"),
    ], async ({ userId }) => memberRoles(await get(`${base}/members/${userId.trim()}`))),
    member,
    h("h2", {}, "Channel overrides"),
    h("p", { class: "muted" }, "Allow or deny permissions in one channel to a role or a member: a staff channel, an announcement channel."),
    channels);

  async function refresh() {
    list = await get(`${base}/roles`);
    fill(rows, ...list.map((role) => h("tr", {},
      h("th", { scope: "row" }, roleLabel(role), role.builtIn ? h("span", { class: "meta" }, " (built in)") : null),
      h("td", {}, role.position),
      h("td", {}, role.permissions.length === permissions.length ? "all" : role.permissions.join(", ") || "none"),
      h("td", {}, role.id === "admin" || role.id === "owner" ? h("span", { class: "meta" }, "holds every permission") : h("div", { class: "actions" },
        h("button", { type: "button", class: "link", "aria-label": `Edit role ${role.name}`, onclick: () => edit(role) }, "Edit"),
        role.builtIn ? null : h("button", { type: "button", class: "link", "aria-label": `Delete role ${role.name}`, onclick: () => remove(role).catch(showError) }, "Delete"))))));
  }

  function edit(role) {
    fill(editor, h("h3", {}, role ? `Edit role ${role.name}` : "New role"), roleForm(role));
    editor.querySelector("input:not([readonly]):not([disabled])")?.focus();
  }

  async function remove(role) {
    if (!confirm(`Delete the role ${role.name}? Its members lose it, and overrides naming it go.`)) return;
    await del(`${base}/roles/${role.id}`);
    status.textContent = `Role ${role.name} deleted.`;
    await refresh();
  }

  function roleForm(role) {
    const builtIn = role?.builtIn ?? false;
    const colour = h("input", { type: "color", name: "colour", value: role?.colour || "#6b7280" });
    const plain = h("input", { type: "checkbox", name: "plain", checked: Boolean(role) && !role.colour });
    return form({ class: "stack", "aria-label": role ? `Edit role ${role.name}` : "New role" }, [
      field("Id", h("input", { name: "id", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "off", value: role?.id ?? "", readonly: Boolean(role) })),
      builtIn ? h("p", { class: "muted" }, "A built-in role keeps its name and position; its colour and permissions are the community's.") : null,
      field("Name", h("input", { name: "name", required: true, maxlength: 100, value: role?.name ?? "", disabled: builtIn })),
      field("Position (1–1999; moderators are at 1000; you manage only roles below your own)",
        h("input", { name: "position", type: "number", min: 1, max: 1999, required: true, value: role?.position ?? 500, disabled: builtIn })),
      h("div", { class: "row" }, field("Colour", colour), h("label", { class: "check" }, plain, " No colour")),
      h("fieldset", { class: "permissions" }, h("legend", {}, "Permissions"),
        ...permissions.map(([name, what]) => h("div", { class: "check" },
          h("input", { type: "checkbox", name: "permissions", value: name, id: `permission-${name}`, "aria-describedby": `permission-${name}-what`, checked: role?.permissions.includes(name) }),
          h("label", { for: `permission-${name}` }, h("code", {}, name)),
          h("span", { class: "meta", id: `permission-${name}-what` }, what)))),
      h("div", { class: "row" },
        h("button", { type: "submit" }, "Save role"),
        role ? h("button", { type: "button", class: "link", onclick: () => edit(null) }, "Cancel") : null),
    ], async (values, el) => {
      const chosen = [...el.querySelectorAll("input[name=permissions]:checked")].map((c) => c.value);
      const body = { colour: plain.checked ? "" : colour.value, permissions: chosen };
      const saved = await put(`${base}/roles/${values.id.trim()}`, builtIn ? body : { ...body, name: values.name.trim(), position: Number(values.position) });
      status.textContent = `Role ${saved.name} saved.`;
      await refresh();
      edit(null);
    });
  }

  function memberRoles(info, message = "") {
    // The rank (moderator, admin) is a role too: giving or taking it here is how moderators are made.
    const holds = new Set([...(info.roles ?? []), String(info.role).toLowerCase()]);
    const choices = list.filter((r) => r.id !== "everyone" && r.id !== "owner");
    fill(member, form({ class: "stack", "aria-label": `Roles of ${info.displayName}` }, [
      h("fieldset", {}, h("legend", {}, `Roles of ${info.displayName} (${info.userId})`),
        ...choices.map((r) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "roles", value: r.id, checked: holds.has(r.id) }), roleLabel(r)))),
      info.role === "Owner" ? h("p", { class: "muted" }, "The owner holds every permission; their roles cannot be changed.") : h("button", { type: "submit" }, "Save roles"),
      h("p", { class: "ok", role: "status" }, message),
    ], async (_, el) => {
      const chosen = [...el.querySelectorAll("input[name=roles]:checked")].map((c) => c.value);
      const updated = await put(`${base}/members/${info.userId}/roles`, { roles: chosen });
      const names = list.filter((r) => chosen.includes(r.id)).map((r) => r.name);
      memberRoles(updated, `Saved: ${updated.displayName} holds ${names.length ? names.join(", ") : "no roles beyond everyone"}.`);
    }));
  }

  const [channelList] = await Promise.all([get(`${base}/channels`), refresh()]);
  edit(null);
  fill(channels, ...(channelList.length === 0 ? [h("li", { class: "muted" }, "No channels yet.")]
    : channelList.map((c) => h("li", {}, h("a", { href: `#/c/${communityId}/access/channels/${c.id}` }, `# ${c.name}: overrides`)))));
}

const visibilities = [
  ["Public", "anyone signed in sees it and joins"],
  ["Restricted", "anyone sees that it exists; one joins with an invite or a request a moderator approves"],
  ["Private", "invisible to non-members; one joins with an invite only"],
];

function visibility(view, base, standing) {
  const status = h("p", { class: "ok", role: "status" });
  view.append(
    h("h2", {}, "Visibility"),
    form({ class: "row", "aria-label": "Visibility" }, [
      field("Who may see and join", h("select", { name: "visibility" },
        ...visibilities.map(([value, what]) => h("option", { value, selected: standing.info.visibility === value }, `${value}: ${what}`)))),
      h("button", { type: "submit" }, "Save visibility"),
    ], async ({ visibility: chosen }) => {
      standing.info = await put(`${base}/visibility`, { visibility: chosen });
      status.textContent = `The community is now ${standing.info.visibility.toLowerCase()}.`;
    }),
    status);
}

const lifetimes = [["30 minutes", 30], ["1 hour", 60], ["1 day", 1440], ["7 days", 10080], ["30 days", 43200]];

async function invites(view, base, communityId) {
  const created = h("div", { "aria-live": "polite" });
  const rows = h("tbody");
  view.append(
    h("h2", {}, "Invites"),
    form({ class: "row", "aria-label": "New invite" }, [
      field("Expires after", h("select", { name: "minutes" }, ...lifetimes.map(([label, minutes]) => h("option", { value: minutes, selected: minutes === 10080 }, label)))),
      field("Maximum uses (0: unlimited)", h("input", { name: "maxUses", type: "number", min: 0, max: 100000, value: 0, required: true })),
      h("button", { type: "submit" }, "Create invite"),
    ], async ({ minutes, maxUses }) => {
      const invite = await post(`${base}/invites`, { expiresInMinutes: Number(minutes), maxUses: Number(maxUses) });
      // The app's own address with the invite's route: whoever opens it signs in (if need be) and lands on joining.
      const link = `${location.origin}${location.pathname}#/join/${communityId}/${invite.code}`;
      const linkBox = h("input", { readonly: true, value: link, size: 60 });
      fill(created, h("p", { class: "ok" }, "Invite created: share the link, or the community id and the code."),
        h("div", { class: "row" }, field("Invite link", linkBox), field("Code", h("input", { readonly: true, value: invite.code, size: 22 }))));
      linkBox.select();
      await refresh();
    }),
    created,
    h("div", { class: "scroll-x" }, h("table", { "aria-label": "Invites" },
      h("thead", {}, h("tr", {}, ...["Code", "Created by", "Expires", "Uses", "State", "Actions"].map((c) => h("th", { scope: "col" }, c)))), rows)));

  async function refresh() {
    const list = await get(`${base}/invites`);
    fill(rows, ...(list.length === 0 ? [h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No invites yet."))] : list.map((invite) => {
      const state = stateOf(invite);
      return h("tr", {},
        h("th", { scope: "row" }, h("code", {}, invite.code)),
        h("td", {}, invite.createdBy),
        h("td", {}, invite.expiresAt ? dateTime(invite.expiresAt) : "never"),
        h("td", {}, invite.maxUses ? `${invite.uses} of ${invite.maxUses}` : `${invite.uses} (unlimited)`),
        h("td", {}, state),
        h("td", {}, state === "usable" ? h("button", { type: "button", class: "link", "aria-label": `Revoke invite ${invite.code}`, onclick: () => revoke(invite).catch(showError) }, "Revoke") : null));
    })));
  }

  async function revoke(invite) {
    await del(`${base}/invites/${invite.code}`);
    await refresh();
  }

  await refresh();
}

/** The same order of reasons as the server's (Invite.RefusalAt). */
function stateOf(invite) {
  if (invite.revoked) return "revoked";
  if (invite.expiresAt && new Date(invite.expiresAt) <= new Date()) return "expired";
  if (invite.maxUses > 0 && invite.uses >= invite.maxUses) return "used up";
  return "usable";
}

async function joinRequests(view, base) {
  const list = h("ul", { class: "cards", "aria-label": "Join requests" });
  const status = h("p", { class: "ok", role: "status" });
  view.append(
    h("h2", {}, "Join requests"),
    h("p", { class: "muted" }, "Visitors of a restricted community ask to join; approving makes them members with the consent they gave."),
    h("button", { type: "button", onclick: () => refresh().catch(showError) }, "Refresh requests"),
    list, status);

  async function refresh() {
    const requests = await get(`${base}/join-requests`);
    fill(list, ...(requests.length === 0 ? [h("li", { class: "muted" }, "No requests wait.")] : requests.map((r) => h("li", { class: "card" },
      h("div", {}, h("strong", {}, r.displayName), ` (${r.userId}) asked `, dateTime(r.at),
        r.consent.guidelinesVersion > 0 ? h("span", { class: "meta" }, ` · accepted the guidelines, version ${r.consent.guidelinesVersion}`) : null),
      h("div", { class: "actions" },
        h("button", { type: "button", "aria-label": `Approve ${r.displayName}`, onclick: () => decide(r, "approve").catch(showError) }, "Approve"),
        h("button", { type: "button", class: "danger", "aria-label": `Decline ${r.displayName}`, onclick: () => decide(r, "decline").catch(showError) }, "Decline"))))));
  }

  async function decide(request, decision) {
    await post(`${base}/join-requests/${request.userId}/${decision}`);
    status.textContent = decision === "approve" ? `${request.displayName} is now a member.` : `${request.displayName}'s request was declined.`;
    await refresh();
  }

  await refresh();
}
