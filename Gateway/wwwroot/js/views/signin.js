import { h, field, form, showError } from "../dom.js";
import { get, post } from "../api.js";
import { signIn, takeDestination } from "../session.js";
import { startSignIn } from "../oidc.js";

/**
 * Sign-in as the gateway offers it (GET /api/auth/config): the organisation's provider (Auth:Authority and
 * Auth:ClientId), and development sign-in (Auth:DevTokens), which issues a token for any user id.
 */
export async function render(view) {
  const config = await get("/api/auth/config");
  view.append(h("h1", {}, "Sign in"));
  if (config.provider) {
    const button = h("button", { type: "button" }, "Sign in with your organisation");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await startSignIn(config.provider);
      } catch (err) {
        button.disabled = false;
        showError(err);
      }
    });
    view.append(h("p", {}, "Use your organisation's account."), button);
  }
  if (config.devTokens) {
    view.append(
      h("p", {}, "Development sign-in: choose a user id and the name others will see."),
      form({ class: "stack", "aria-label": "Sign in" }, [
        field("User id", h("input", { name: "userId", required: true, pattern: "[a-z0-9-]{1,64}", autocomplete: "username", title: "lower-case letters, digits and dashes" })),
        field("Display name", h("input", { name: "displayName", required: true, maxlength: 100, autocomplete: "nickname" })),
        h("button", { type: "submit" }, "Sign in"),
      ], async ({ userId, displayName }) => {
        const { token } = await post("/api/auth/dev-token", { userId: userId.trim(), displayName: displayName.trim() });
        signIn(token, userId.trim(), displayName.trim());
        location.hash = takeDestination() ?? "#/communities";
      }));
  }
  if (!config.provider && !config.devTokens) {
    view.append(h("p", {}, "This gateway offers no sign-in page: its operator has set neither an organisation's provider (Auth:Authority and Auth:ClientId) nor development sign-in."));
  }
}
