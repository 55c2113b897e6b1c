// Sign-in at the organisation's OpenID Connect provider: Authorization Code with PKCE, as a public client (a page
// cannot keep a secret). The verifier and state wait in sessionStorage while the browser is at the provider; the
// access token is the gateway's bearer, and the gateway says which user it names (its claim mapping, not ours).
const PENDING = "cs.oidc";

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const random = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));

/** The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)). */
export async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

/** Where the provider sends the browser back: this page, without query or hash (register exactly this at the provider). */
export function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

async function discover(authority) {
  const response = await fetch(`${authority.replace(/\/+$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`unavailable: the sign-in provider did not answer (${response.status})`);
  return response.json();
}

/** Leaves for the provider's sign-in page; `provider` is GET /api/auth/config's `provider`. */
export async function startSignIn(provider) {
  // SHA-256 (crypto.subtle) exists only in secure contexts: https, localhost and 127.0.0.1.
  if (!crypto.subtle) throw new Error("unavailable: signing in with the provider needs this page on https");
  const metadata = await discover(provider.authority);
  const verifier = random(32); // 43 characters, the least PKCE allows
  const state = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, tokenEndpoint: metadata.token_endpoint, clientId: provider.clientId, redirectUri: redirectUri() }));
  const url = new URL(metadata.authorization_endpoint);
  const query = {
    response_type: "code", client_id: provider.clientId, redirect_uri: redirectUri(), scope: provider.scopes,
    state, nonce: random(16), code_challenge: await challengeOf(verifier), code_challenge_method: "S256",
  };
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  location.assign(url.toString());
}

/**
 * When this page load is the provider sending the browser back: redeems the code and returns
 * { token, userId, displayName }. Any other load: null. A refusal throws "code: reason".
 */
export async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  // Drop the code from the address bar and history: a reload must not try to redeem it again.
  history.replaceState(null, "", `${location.pathname}#/signin`);
  if (params.has("error")) throw new Error(`${params.get("error")}: ${params.get("error_description") || "the provider did not sign you in"}`);
  // A code this tab did not ask for (another tab's, or planted by a link) is not redeemed.
  if (!pending || params.get("state") !== pending.state) throw new Error("invalid: this sign-in was not started here; please sign in again");

  const response = await fetch(pending.tokenEndpoint, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code: params.get("code"), redirect_uri: pending.redirectUri, client_id: pending.clientId, code_verifier: pending.verifier }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.access_token) throw new Error(`unauthorized: the provider issued no token (${body.error || response.status})`);

  const me = await fetch("/api/auth/me", { headers: { Authorization: `Bearer ${body.access_token}` } });
  if (!me.ok) throw new Error(`unauthorized: the gateway refused the provider's token (${me.status}); its log says why`);
  const { userId, displayName } = await me.json();
  return { token: body.access_token, userId, displayName };
}
