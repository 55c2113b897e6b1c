import { h, field, form, showError, time } from "../dom.js";
import { api, get, put } from "../api.js";
import { on } from "../hub.js";
import { session } from "../session.js";

/** The member's standing (points, level, badges, streak, challenges), settings, consent, their data and its erasure. */
export async function render(view, [communityId], app) {
  const base = `/api/communities/${communityId}`;
  const standing = h("div", { "aria-live": "polite" });
  const consent = h("div");
  // Outside the live-redrawn part, so an award arriving while the member types does not wipe the field.
  const timeZone = h("input", { name: "timeZone", required: true });
  const settings = form({ class: "row", "aria-label": "Time zone" }, [field("Time zone (for streaks)", timeZone), h("button", { type: "submit" }, "Save")],
    async ({ timeZone: zone }) => { await put(`${base}/me/gamification`, { timeZone: zone }); await refresh(); });
  view.append(h("h1", {}, "Your profile"), standing, settings, h("h2", {}, "Consent"), consent,
    h("h2", {}, "Your data"),
    h("p", {}, "Download everything this platform holds about you, or erase your account: your messages and posts become anonymous “[removed]” placeholders."),
    h("div", { class: "row" },
      h("button", { type: "button", onclick: () => download().catch(showError) }, "Download my data"),
      h("button", { type: "button", class: "danger", onclick: () => erase().catch(showError) }, "Erase my account")));

  async function refresh() {
    const p = await get(`${base}/members/${session.userId}/points`);
    standing.replaceChildren(
      h("dl", { class: "totals" },
        ...[["Points", p.points], ["This week", p.weekPoints], ["Level", p.level], ["Next level at", p.nextLevelAt ?? "–"], ["Streak (days)", p.streak], ["Best streak", p.bestStreak]]
          .map(([label, value]) => h("div", {}, h("dt", {}, label), h("dd", {}, value)))),
      h("h2", {}, "Badges"),
      (p.badges ?? []).length === 0 ? h("p", { class: "muted" }, "No badges yet.")
        : h("ul", { class: "badges" }, ...p.badges.map((b) => h("li", { class: `tier-${String(b.tier).toLowerCase()}` }, `${b.id.replaceAll("_", " ")} (${String(b.tier).toLowerCase()}) `, time(b.at)))),
      h("h2", {}, "Challenges"),
      (p.challenges ?? []).length === 0 ? h("p", { class: "muted" }, "No challenges running.")
        : h("ul", {}, ...p.challenges.map((c) => h("li", {}, `${c.title}: `, h("progress", { max: c.target, value: c.progress, "aria-label": c.title }), ` ${c.progress}/${c.target}`, c.completedAt ? " ✔" : ""))));
    if (document.activeElement !== timeZone) timeZone.value = p.timeZone;

    const c = await get(`${base}/members/me/consent`);
    consent.replaceChildren(
      h("p", {}, `You accepted version ${c.acceptedVersion} of the guidelines${c.required ? `; version ${c.current.version} needs your acceptance` : ""}.`),
      // Saving a choice accepts the guidelines in force: while a new version waits, it is accepted on the community page first.
      c.required
        ? h("p", {}, h("a", { href: `#/c/${communityId}` }, "Read and accept the new guidelines"), " to change your choices.")
        : form({ class: "stack", "aria-label": "Marketing consent" }, [
          h("label", { class: "check" }, h("input", { type: "checkbox", name: "marketing", checked: c.marketing }), " Send me news from this community"),
          h("button", { type: "submit" }, "Save"),
        ], async (values) => { await put(`${base}/members/me/consent`, { guidelinesVersion: c.current.version, marketing: values.marketing === "on" }); await refresh(); }),
      h("details", {}, h("summary", {}, "Consent history"), h("ul", {}, ...c.history.map((r) => h("li", {}, time(r.at), ` ${r.reason}: guidelines v${r.guidelinesVersion}, news ${r.marketing ? "yes" : "no"}`)))));
  }

  async function download() {
    const data = await get("/api/me/export");
    const link = h("a", { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })), download: `communityscale-${session.userId}.json` });
    link.click();
    URL.revokeObjectURL(link.href);
  }

  async function erase() {
    if (!confirm("Erase your account in every community? This cannot be undone.")) return;
    await api("DELETE", "/api/me");
    await app.signOut();
  }

  const off = on("PointsAwarded", (a) => { if (a.communityId === communityId) refresh().catch(showError); });
  await refresh();
  return off;
}
