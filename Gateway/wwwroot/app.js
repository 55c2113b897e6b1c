// The first-cut browser client: dev sign-in, pick or create a community and channel, chat live.
// It keeps the last seq it has shown: live messages at or below it are dropped, and a gap or a reconnect
// re-joins with that seq so the gateway sends exactly what was missed.
"use strict";

const state = { token: null, userId: null, community: null, channel: null, lastSeq: 0, connection: null };
const $ = (id) => document.getElementById(id);

function showError(err) {
  const text = err && err.message ? err.message.replace(/^An unexpected error occurred invoking '\w+' on the server\. HubException: /, "") : String(err);
  $("error").textContent = text;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", ...(state.token ? { Authorization: `Bearer ${state.token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new Error(`${problem.code || response.status}: ${problem.detail || response.statusText}`);
  }
  return response.status === 204 ? null : response.json();
}

$("signin-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const userId = $("user-id").value.trim();
    const { token } = await api("POST", "/api/auth/dev-token", { userId, displayName: $("display-name").value.trim() });
    Object.assign(state, { token, userId });
    $("whoami").textContent = `Signed in as ${userId}`;
    $("signin").hidden = true;
    $("community").hidden = false;
    await connect();
  } catch (err) { showError(err); }
});

$("community-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("community-id").value.trim();
  try {
    if (e.submitter && e.submitter.value === "create") {
      await api("POST", "/api/communities", { id, name: $("community-name").value.trim() || id });
    } else {
      await api("POST", `/api/communities/${id}/members`);
    }
    state.community = id;
    $("community-title").textContent = `Community: ${id}`;
    await listChannels();
    $("error").textContent = "";
  } catch (err) { showError(err); }
});

async function listChannels() {
  const channels = await api("GET", `/api/communities/${state.community}/channels`);
  const list = $("channels");
  list.replaceChildren(...channels.map((c) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.textContent = `# ${c.name}`;
    button.addEventListener("click", () => openChannel(c.id));
    li.append(button);
    return li;
  }));
}

$("channel-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("channel-id").value.trim();
  try {
    if (!state.community) throw new Error("invalid: open a community first");
    if (e.submitter && e.submitter.value === "create") {
      await api("POST", `/api/communities/${state.community}/channels`, { id, name: $("channel-name").value.trim() || id });
      await listChannels();
    }
    await openChannel(id);
  } catch (err) { showError(err); }
});

async function connect() {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/community", { accessTokenFactory: () => state.token })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10000, 500 * (ctx.previousRetryCount + 1)) })
    .build();
  connection.on("ChannelMessage", (m) => {
    if (m.communityId !== state.community || m.channelId !== state.channel) return;
    if (m.seq <= state.lastSeq) return;
    if (m.seq > state.lastSeq + 1) { rejoin(); return; }
    render(m);
  });
  connection.on("MessageRemoved", (r) => {
    if (r.communityId !== state.community || r.channelId !== state.channel) return;
    const li = document.querySelector(`#messages li[data-seq="${r.seq}"]`);
    if (li) markRemoved(li);
  });
  connection.on("Presence", (p) => {
    if (p.communityId === state.community && p.channelId === state.channel) $("presence").textContent = `${p.online} online`;
  });
  connection.onreconnecting(() => { $("status").textContent = "Reconnecting…"; });
  connection.onreconnected(() => { $("status").textContent = "Connected"; rejoin(); });
  connection.onclose(() => { $("status").textContent = "Disconnected"; });
  await connection.start();
  state.connection = connection;
  $("status").textContent = "Connected";
}

async function openChannel(channelId) {
  if (state.channel) await state.connection.invoke("LeaveChannel", state.community, state.channel);
  state.channel = channelId;
  state.lastSeq = 0;
  $("messages").replaceChildren();
  $("chat").hidden = false;
  $("chat-title").textContent = `# ${channelId}`;
  await join(null);
}

async function join(afterSeq) {
  const result = await state.connection.invoke("JoinChannel", state.community, state.channel, afterSeq);
  result.messages.forEach(render);
  if (result.hasMore) await join(state.lastSeq);
}

async function rejoin() {
  if (!state.channel) return;
  try { await join(state.lastSeq); } catch (err) { showError(err); }
}

function render(m) {
  if (m.seq <= state.lastSeq) return;
  state.lastSeq = m.seq;
  const li = document.createElement("li");
  li.dataset.seq = m.seq;
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = m.authorName || m.authorId;
  const text = document.createElement("span");
  text.textContent = m.text;
  li.append(author, text);
  if (m.removed) markRemoved(li);
  $("messages").append(li);
  li.scrollIntoView({ block: "end" });
}

function markRemoved(li) {
  li.classList.add("removed");
  li.lastChild.textContent = "(removed by a moderator)";
}

$("send-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = $("text");
  const text = input.value;
  if (!text.trim()) return;
  const clientMessageId = crypto.randomUUID();
  try {
    const ack = await state.connection.invoke("SendMessage", state.community, state.channel, text, clientMessageId);
    input.value = "";
    $("error").textContent = ack.held ? "Your message is waiting for a moderator's review." : "";
  } catch (err) { showError(err); }
});
