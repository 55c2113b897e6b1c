import { h } from "../dom.js";
import { showJoin } from "../joining.js";

/** An invite link (#/join/{community}/{code}): the community's guidelines and a button to join with the invite. */
export async function render(view, [communityId, code]) {
  const box = h("div");
  view.append(h("h1", {}, "Join with an invite"), box);
  await showJoin(box, communityId, { invite: code, heading: "h2" });
}
