// The CommunityScale web app: plain ES modules, no build step. Hash routes pick a view; each view renders into
// <main>, subscribes to the hub events it needs, and returns a cleanup that unsubscribes when it is left.
import { h, clearError, showError } from "./js/dom.js";
import { session, signIn, signOut, rememberDestination, takeDestination } from "./js/session.js";
import { completeSignIn } from "./js/oidc.js";
import { connect, disconnect, invoke, on, onUnauthorized } from "./js/hub.js";
import { get } from "./js/api.js";
import * as signin from "./js/views/signin.js";
import * as communities from "./js/views/communities.js";
import * as community from "./js/views/community.js";
import * as chat from "./js/views/chat.js";
import * as threads from "./js/views/threads.js";
import * as thread from "./js/views/thread.js";
import * as events from "./js/views/events.js";
import * as eventView from "./js/views/event.js";
import * as notifications from "./js/views/notifications.js";
import * as profile from "./js/views/profile.js";
import * as leaderboard from "./js/views/leaderboard.js";
import * as moderation from "./js/views/moderation.js";
import * as kpis from "./js/views/kpis.js";
import * as access from "./js/views/access.js";
import * as overrides from "./js/views/overrides.js";
import * as join from "./js/views/join.js";

const routes = [
  [/^#\/signin$/, signin],
  [/^#\/communities$/, communities],
  [/^#\/notifications$/, notifications],
  [/^#\/c\/([a-z0-9-]+)$/, community],
  [/^#\/c\/([a-z0-9-]+)\/chat\/([a-z0-9-]+)$/, chat],
  [/^#\/c\/([a-z0-9-]+)\/threads$/, threads],
  [/^#\/c\/([a-z0-9-]+)\/threads\/([a-z0-9-]+)$/, thread],
  [/^#\/c\/([a-z0-9-]+)\/events$/, events],
  [/^#\/c\/([a-z0-9-]+)\/events\/([a-z0-9-]+)$/, eventView],
  [/^#\/c\/([a-z0-9-]+)\/leaderboard$/, leaderboard],
  [/^#\/c\/([a-z0-9-]+)\/profile$/, profile],
  [/^#\/c\/([a-z0-9-]+)\/moderation$/, moderation],
  [/^#\/c\/([a-z0-9-]+)\/kpis$/, kpis],
  [/^#\/c\/([a-z0-9-]+)\/access$/, access],
  [/^#\/c\/([a-z0-9-]+)\/access\/channels\/([a-z0-9-]+)$/, overrides],
  [/^#\/join\/([a-z0-9-]+)\/([a-z0-9-]+)$/, join],
];

// What the app knows of each community it has entered: the caller's role (from WatchCommunity) and permissions.
const watched = new Map();
let unread = 0;
let cleanup = null;
let routeId = 0;

export const app = {
  /** The caller's standing in a community; watching it starts their notifications and, for moderators, the queue's events. */
  async community(id) {
    if (!watched.has(id)) {
      watched.set(id, (async () => {
        const [info, watch, mine] = await Promise.all([get(`/api/communities/${id}`), invoke("WatchCommunity", id), get(`/api/communities/${id}/permissions/me`)]);
        unread = watch.unreadNotifications;
        const may = new Set(mine.permissions);
        return { info, role: watch.role, moderator: watch.moderationEvents, manager: watch.role === "Admin" || watch.role === "Owner", may,
          access: may.has("manage_roles") || may.has("moderate") };
      })());
      watched.get(id).catch(() => watched.delete(id));
    }
    return watched.get(id);
  },
  forget(id) { watched.delete(id); },
  navigate(hash) { location.hash = hash; },
  /** Ends the session in this tab: the connection (it carries the old token), what was watched, the stored sign-in. */
  async signOut() {
    signOut();
    watched.clear();
    await disconnect();
    location.hash = "#/signin";
  },
};

on("reconnected", () => {
  // Watches belong to a connection: a new one must watch again.
  const ids = [...watched.keys()];
  watched.clear();
  for (const id of ids) app.community(id).catch(() => {});
});
on("Notification", () => { unread += 1; renderNav(currentCommunity()); });

function currentCommunity() {
  const match = /^#\/c\/([a-z0-9-]+)/.exec(location.hash);
  return match ? match[1] : null;
}

async function renderNav(communityId) {
  const nav = document.getElementById("nav");
  const links = [];
  if (session.token) {
    links.push(h("a", { href: "#/communities" }, "Communities"));
    if (communityId) {
      const standing = await app.community(communityId).catch(() => null);
      links.push(
        h("a", { href: `#/c/${communityId}` }, "Chat"),
        h("a", { href: `#/c/${communityId}/threads` }, "Threads"),
        h("a", { href: `#/c/${communityId}/events` }, "Events"),
        h("a", { href: `#/c/${communityId}/leaderboard` }, "Leaderboard"),
        h("a", { href: `#/c/${communityId}/profile` }, "Profile"));
      if (standing?.moderator) links.push(h("a", { href: `#/c/${communityId}/moderation` }, "Moderation"));
      if (standing?.manager) links.push(h("a", { href: `#/c/${communityId}/kpis` }, "KPIs"));
      if (standing?.access) links.push(h("a", { href: `#/c/${communityId}/access` }, "Access"));
    }
    links.push(h("a", { href: "#/notifications", "aria-label": `Notifications, ${unread} unread` }, "Notifications", unread > 0 ? h("span", { class: "badge" }, unread) : null));
    links.push(h("button", { type: "button", class: "link", onclick: () => app.signOut() }, "Sign out"));
  }
  nav.replaceChildren(...links.map((link) => {
    if (link.tagName === "A" && location.hash.startsWith(link.getAttribute("href")) && (link.getAttribute("href") !== `#/c/${communityId}` || location.hash.includes("/chat/") || location.hash === `#/c/${communityId}`)) {
      link.setAttribute("aria-current", "page");
    }
    return link;
  }));
  document.getElementById("whoami").textContent = session.token ? `${session.displayName} (${session.userId})` : "";
}

export function setUnread(count) {
  unread = count;
  renderNav(currentCommunity());
}

async function route() {
  const id = ++routeId;
  clearError();
  if (cleanup) {
    try { cleanup(); } catch (err) { console.error(err); }
    cleanup = null;
  }
  if (!session.token && location.hash !== "#/signin") {
    // A link opened before signing in (an invite, a channel) is where sign-in continues.
    if (location.hash && location.hash !== "#/") rememberDestination(location.hash);
    location.hash = "#/signin";
    return;
  }
  if (session.token && (location.hash === "" || location.hash === "#/" || location.hash === "#/signin")) {
    location.hash = takeDestination() ?? "#/communities";
    return;
  }
  const main = document.getElementById("view");
  // Each route renders into a container of its own: a slow view finishing after the user moved on is dropped whole.
  const view = h("div", { class: "screen" });
  main.replaceChildren(view);
  delete main.dataset.ready;
  const match = routes.map(([pattern, module]) => [pattern.exec(location.hash), module]).find(([m]) => m);
  if (!match) {
    view.append(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/communities" }, "Back to your communities")));
    main.dataset.ready = location.hash;
    return;
  }
  const [groups, module] = match;
  if (session.token) connect();
  renderNav(currentCommunity());
  let done = null;
  try {
    done = (await module.render(view, groups.slice(1), app)) ?? null;
  } catch (err) {
    if (id === routeId) showError(err);
  }
  if (id !== routeId) {
    if (done) done();
    return;
  }
  cleanup = done;
  main.dataset.ready = location.hash;
  // Move focus to the new view's heading, so keyboard and screen-reader users land on it.
  view.querySelector("h1")?.setAttribute("tabindex", "-1");
  view.querySelector("h1")?.focus({ preventScroll: true });
}

// An expired or refused token: sign in again rather than retry for ever.
onUnauthorized(() => app.signOut());

window.addEventListener("hashchange", route);

// A load that is the provider sending the browser back finishes that sign-in first; a failure shows on the sign-in page.
completeSignIn().then(
  (signedIn) => {
    // Signed in, the sign-in route moves on to the communities.
    if (signedIn) signIn(signedIn.token, signedIn.userId, signedIn.displayName);
    return route();
  },
  async (err) => {
    await route();
    showError(err);
  });
