/* The pages' live client: one WebSocket to /ws/live/ (CONTRACT.md, "WebSocket").
 *
 *   const live = CityLive.start({
 *     topics: ["alarms", "zone:12"],            // what the page shows, nothing more
 *     on: {"alarm.raised": (data, msg) => …},   // handlers by message kind
 *     refresh: () => …,                         // catch-up after a reconnect
 *   });
 *   live.subscribe(["device:SL-1"]); live.unsubscribe([...]);
 *
 * It reconnects with exponential backoff (0.5 s doubling to 15 s, with jitter), subscribes
 * again to every topic the page holds, and then calls `refresh` so that the page reloads what
 * it may have missed while the socket was down. The connection state is shown in the element
 * with id "live-status" and kept in document.body.dataset.live ("connecting", "live",
 * "reconnecting"), which the browser tests wait on.
 */
(function () {
  "use strict";

  const MIN_DELAY_MS = 500;
  const MAX_DELAY_MS = 15000;

  function setState(state, text) {
    document.body.dataset.live = state;
    const badge = document.getElementById("live-status");
    if (badge) {
      badge.dataset.state = state;
      badge.textContent = text;
    }
  }

  function start(options) {
    const handlers = Object.assign({}, options.on || {});
    const topics = new Set(options.topics || []);
    const refresh = options.refresh || function () {};
    let socket = null;
    let attempts = 0;
    let everOpened = false;
    let stopped = false;
    let timer = null;

    function url() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      return scheme + "//" + location.host + "/ws/live/";
    }

    function send(action, list) {
      if (socket && socket.readyState === WebSocket.OPEN && list.length) {
        socket.send(JSON.stringify({ action: action, topics: list }));
      }
    }

    function connect() {
      setState(everOpened ? "reconnecting" : "connecting", everOpened ? "Reconnecting…" : "Connecting…");
      socket = new WebSocket(url());
      socket.addEventListener("open", function () {
        const reconnected = everOpened;
        everOpened = true;
        attempts = 0;
        send("subscribe", Array.from(topics));
        setState("live", "Live");
        if (reconnected) {
          try { refresh(); } catch (error) { console.error("refresh failed", error); }
        }
      });
      socket.addEventListener("message", function (event) {
        let message;
        try { message = JSON.parse(event.data); } catch (error) { return; }
        if (message.type === "error") console.warn("live:", message.data);
        const handler = handlers[message.type];
        if (handler) {
          try { handler(message.data, message); } catch (error) { console.error(error); }
        }
        if (handlers["*"]) handlers["*"](message.data, message);
      });
      socket.addEventListener("close", function () {
        socket = null;
        if (stopped) return;
        const delay = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * Math.pow(2, attempts));
        attempts += 1;
        setState("reconnecting", "Reconnecting…");
        timer = setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
      });
    }

    connect();
    return {
      subscribe: function (list) {
        const fresh = list.filter(function (t) { return !topics.has(t); });
        fresh.forEach(function (t) { topics.add(t); });
        send("subscribe", fresh);
      },
      unsubscribe: function (list) {
        const held = list.filter(function (t) { return topics.has(t); });
        held.forEach(function (t) { topics.delete(t); });
        send("unsubscribe", held);
      },
      on: function (kind, handler) { handlers[kind] = handler; },
      topics: function () { return Array.from(topics); },
      /* For tests and for a page that goes away: closes without reconnecting. */
      stop: function () { stopped = true; clearTimeout(timer); if (socket) socket.close(); },
      /* Drops the connection as a network failure would (the client reconnects). */
      drop: function () { if (socket) socket.close(); },
    };
  }

  /* The CSRF token for the pages' API calls (Django's csrftoken cookie, or the form's). */
  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* fetch() for the REST API with the session cookie and the CSRF token; rejects with the
   * API's {"message", "extra"} on an error status. */
  async function api(path, options) {
    const init = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
    init.headers = Object.assign({ Accept: "application/json" }, init.headers);
    if (init.body && typeof init.body !== "string" && !(init.body instanceof FormData)) {
      init.body = JSON.stringify(init.body);
      init.headers["Content-Type"] = "application/json";
    }
    if (init.method && init.method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
    const response = await fetch(path, init);
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = new Error((body && body.message) || response.statusText);
      error.status = response.status;
      error.extra = body && body.extra;
      throw error;
    }
    return body;
  }

  window.CityLive = { start: start, api: api, csrfToken: csrfToken };
})();
