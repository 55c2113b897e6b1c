import { h, field, form } from "../dom.js";
import { post } from "../api.js";
import { signIn } from "../session.js";

/** Development sign-in: the gateway issues a token for any user id (only where Auth:DevTokens is on). */
export function render(view) {
  view.append(
    h("h1", {}, "Sign in"),
    h("p", {}, "Development sign-in: choose a user id and the name others will see."),
    form({ class: "stack", "aria-label": "Sign in" }, [
      field("User id", h("input", { name: "userId", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "username", title: "lower-case letters, digits and dashes" })),
      field("Display name", h("input", { name: "displayName", required: true, maxlength: 100, autocomplete: "nickname" })),
      h("button", { type: "submit" }, "Sign in"),
    ], async ({ userId, displayName }) => {
      const { token } = await post("/api/auth/dev-token", { userId: userId.trim(), displayName: displayName.trim() });
      signIn(token, userId.trim(), displayName.trim());
      location.hash = "#/communities";
    }));
}
