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
