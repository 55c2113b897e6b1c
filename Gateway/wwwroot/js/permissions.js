import { h } from "./dom.js";

// The fixed set of permissions (docs/api.md, "Roles and permissions"), in the API's order, with what each lets a member do.
export const permissions = [
  ["view", "see a channel: list it, read it, join it live"],
  ["send", "send and edit their own messages"],
  ["react", "react to messages"],
  ["attach", "send messages with files"],
  ["create_threads", "open forum threads"],
  ["reply", "reply in forum threads"],
  ["mention_everyone", "mention everyone"],
  ["manage_messages", "remove others' messages, slow mode, the review queue"],
  ["moderate", "mute, ban and warn members, invites, join requests, the audit log"],
  ["manage_events", "organise events"],
  ["manage_campaigns", "run campaigns"],
  ["view_kpis", "read the KPIs"],
  ["manage_webhooks", "manage webhook endpoints"],
  ["manage_roles", "manage roles, give them to members, set channel overrides"],
];

/** A role's name with its colour as a swatch (the colour is decoration: the name carries the meaning). */
export function roleLabel(role) {
  const swatch = role.colour ? h("span", { class: "swatch", "aria-hidden": "true" }) : null;
  if (swatch) swatch.style.backgroundColor = role.colour;
  return h("span", { class: "role" }, swatch, role.name);
}
