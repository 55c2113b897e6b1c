// Who is signed in. Kept in sessionStorage: a reload keeps the sign-in, closing the tab ends it.
const saved = JSON.parse(sessionStorage.getItem("cs.session") || "null");

export const session = { token: saved?.token ?? null, userId: saved?.userId ?? null, displayName: saved?.displayName ?? null };

export function signIn(token, userId, displayName) {
  Object.assign(session, { token, userId, displayName });
  sessionStorage.setItem("cs.session", JSON.stringify(session));
}

export function signOut() {
  Object.assign(session, { token: null, userId: null, displayName: null });
  sessionStorage.removeItem("cs.session");
}

/** Where a signed-out visitor was going (an invite link, a channel): sign-in continues there instead of the community list. */
export function rememberDestination(hash) {
  sessionStorage.setItem("cs.destination", hash);
}

export function takeDestination() {
  const hash = sessionStorage.getItem("cs.destination");
  sessionStorage.removeItem("cs.destination");
  return hash;
}
