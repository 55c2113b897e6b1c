// One SignalR connection for the whole app. It reconnects for ever (the indicator says so); views subscribe to
// server events through `on`, and to `reconnected` to rejoin what they show with the last seq they have.
import { session } from "./session.js";

const listeners = new Map();
let unauthorized = () => {};

/** What to do when the server refuses the token (expired, revoked): the app signs out. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}
let connection = null;
let started = null;

export function on(event, handler) {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event).add(handler);
  return () => listeners.get(event).delete(handler);
}

function emit(event, payload) {
  for (const handler of listeners.get(event) ?? []) {
    try { handler(payload); } catch (err) { console.error(err); }
  }
}

const serverEvents = ["ChannelMessage", "Presence", "MessageRemoved", "MessageRestored", "MessageEdited", "MessageReactions", "Notification",
  "ModerationEvent", "PointsAwarded", "BadgeEarned", "ThreadPost", "PostEdited", "PostRemoved", "PostReactions", "ThreadUpdated",
  "QuestionAsked", "QuestionUpdated", "PollUpdated", "KpiUpdated", "ChannelAccessLost", "ThreadAccessLost"];

function setStatus(text, kind) {
  const box = document.getElementById("connection");
  box.textContent = text;
  box.dataset.state = kind;
}

export function connect() {
  if (started) return started;
  connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/community", { accessTokenFactory: () => session.token })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(500 * (ctx.previousRetryCount + 1), 3000) })
    .build();
  for (const name of serverEvents) connection.on(name, (payload) => emit(name, payload));
  connection.onreconnecting(() => setStatus("Reconnecting…", "reconnecting"));
  connection.onreconnected(() => {
    setStatus("Connected", "connected");
    emit("reconnected");
  });
  connection.onclose(() => {
    setStatus("Offline", "offline");
    started = null;
  });
  setStatus("Connecting…", "reconnecting");
  started = (async () => {
    // The first start has no automatic retry in SignalR: keep trying, as a reconnect would.
    for (;;) {
      try {
        await connection.start();
        setStatus("Connected", "connected");
        return connection;
      } catch (err) {
        if (String(err).includes("401")) {
          started = null;
          setStatus("Offline", "offline");
          unauthorized();
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();
  return started;
}

export async function invoke(method, ...args) {
  const hub = await connect();
  return hub.invoke(method, ...args);
}

export async function disconnect() {
  if (connection) await connection.stop();
  connection = null;
  started = null;
}
