// Small DOM helpers: build elements without innerHTML (user text is never parsed as markup).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Replaces an element's children; null, undefined and false are skipped (unlike replaceChildren, which prints "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A random id (crypto.randomUUID exists only on https and localhost; a phone on the LAN uses plain http). */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function field(label, input) {
  return h("label", { class: "field" }, h("span", {}, label), input);
}

export function time(at) {
  const date = new Date(at);
  return h("time", { datetime: date.toISOString(), title: date.toLocaleString() }, date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
}

/** A date with its time, for what lies days away (an invite's expiry). */
export function dateTime(at) {
  const date = new Date(at);
  return h("time", { datetime: date.toISOString() }, date.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
}

export function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** A form whose submit runs `action` with its values; errors show in the page's alert, the button is busy meanwhile. */
export function form(attrs, children, action) {
  const el = h("form", attrs, ...children);
  el.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = el.querySelector("button[type=submit], button:not([type])");
    if (button) button.disabled = true;
    // A new attempt: the last refusal no longer stands for what is on screen.
    clearError();
    try {
      await action(formValues(el), el, e.submitter);
    } catch (err) {
      showError(err);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return el;
}

export function showError(err) {
  const box = document.getElementById("error");
  box.textContent = describe(err);
  box.hidden = false;
}

export function clearError() {
  const box = document.getElementById("error");
  box.textContent = "";
  box.hidden = true;
}

/** "code: reason" from a REST problem or a hub error ("… HubException: code: reason"). */
export function describe(err) {
  const text = err && err.message ? err.message : String(err);
  return text.replace(/^.*HubException: /s, "");
}

// The community's reaction set is named (the API's emoji ids); people see the glyphs, screen readers the names.
const glyphs = { "+1": "👍", "-1": "👎", heart: "❤️", laugh: "😄", tada: "🎉", eyes: "👀", rocket: "🚀", fire: "🔥", clap: "👏", thinking: "🤔", sad: "😢", wow: "😮" };

export function glyph(name) {
  return glyphs[name] ?? name;
}
