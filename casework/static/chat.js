// casework's chat (R1): the portal's widget and the console's pane, over a websocket
// (casework/channels/chat/consumers.py). Without this script both are plain forms; with it,
// messages go over the socket and arrive as they are written. Text is only ever set with
// textContent: nothing a customer writes becomes markup.
"use strict";

(function () {
  const root = document.querySelector("[data-chat-socket]");
  if (!root || !("WebSocket" in window)) return;

  const mode = root.dataset.chatMode; // "portal" or "console"
  const log = root.querySelector("[data-chat-log]");
  const form = root.querySelector("[data-chat-form]");
  const status = root.querySelector("[data-chat-status]");
  const list = root.querySelector("[data-chat-list]");
  const endForm = root.querySelector("[data-chat-end]");
  let current = root.dataset.conversation ? Number(root.dataset.conversation) : null;
  let socket = null;
  let delay = 500;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function localTimes(scope) {
    for (const time of scope.querySelectorAll("time[datetime]")) {
      const at = new Date(time.getAttribute("datetime"));
      if (!Number.isNaN(at.getTime()) && time.closest(".chat-msg")) {
        time.textContent = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      }
    }
  }

  function messageItem(m) {
    const kind = m.system ? "chat-system" : m.support ? "chat-support" : "chat-customer";
    const item = el("li", "chat-msg " + kind);
    item.dataset.messageId = m.id;
    const who = m.system ? "casework" : m.support ? m.author + " (support)" : m.author;
    item.append(el("span", "chat-who", who), " ");
    const time = el("time", "meta");
    time.setAttribute("datetime", m.at);
    item.append(time, el("p", "chat-body", m.body));
    localTimes(item);
    return item;
  }

  function append(m) {
    if (!log || log.querySelector('[data-message-id="' + m.id + '"]')) return;
    log.append(messageItem(m));
    log.lastElementChild.scrollIntoView({ block: "nearest" });
  }

  function transcript(messages) {
    if (!log) return;
    log.replaceChildren(...messages.map(messageItem));
  }

  function conversationItem(c) {
    const item = el("li");
    item.dataset.conversationItem = c.id;
    if (c.id === current) {
      item.className = "current";
      item.setAttribute("aria-current", "true");
    }
    const link = el("a", "", c.contact + " · " + c.organization);
    link.href = "?conversation=" + c.id;
    item.append(link, " ", el("span", "tag chat-state-" + c.status, c.status));
    if (c.case) item.append(" ", el("span", "tag", c.case));
    item.append(" ", el("span", "meta", c.channel + (c.agent ? ", with " + c.agent : "")));
    return item;
  }

  function listed(c) {
    if (!list) return;
    const empty = list.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
    const fresh = conversationItem(c);
    const old = list.querySelector('[data-conversation-item="' + c.id + '"]');
    if (old) old.replaceWith(fresh);
    else list.prepend(fresh);
    const state = root.querySelector("[data-chat-state]");
    if (state && c.id === current) {
      state.textContent = c.status + (c.agent ? ", with " + c.agent : "");
    }
  }

  function caseNote(number, id) {
    if (!status) return;
    const href = (mode === "portal" ? "/portal/cases/" : "/console/cases/") + id + "/";
    const link = el("a", "", number);
    link.href = href;
    status.replaceChildren("This conversation is case ", link, ".");
  }

  function receive(frame) {
    switch (frame.type) {
      case "transcript":
        if (mode === "portal") current = frame.conversation;
        transcript(frame.messages);
        if (frame.case) caseNote(frame.case.number, frame.case.id);
        if (endForm) endForm.hidden = current === null;
        break;
      case "message":
        append(frame.message);
        if (endForm) endForm.hidden = false;
        break;
      case "conversations":
        if (!list) break;
        if (frame.conversations.length) {
          list.replaceChildren(...frame.conversations.map(conversationItem));
        } else {
          const empty = el("li", "meta", "No conversations yet.");
          empty.dataset.chatEmpty = "";
          list.replaceChildren(empty);
        }
        break;
      case "conversation":
        listed(frame.conversation);
        break;
      case "case":
        caseNote(frame.case, frame.case_id);
        break;
      case "ended":
        say("The chat has ended. Write again to start a new one.");
        if (mode === "portal") current = null;
        if (endForm) endForm.hidden = true;
        break;
      case "error":
        say(frame.message);
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.chatSocket);
    socket.addEventListener("open", function () {
      delay = 500;
      root.dataset.chatLive = "true";
      if (mode === "console" && current !== null) {
        socket.send(JSON.stringify({ type: "open", conversation: current }));
      }
    });
    socket.addEventListener("message", function (event) {
      try {
        receive(JSON.parse(event.data));
      } catch (error) {
        say("A message could not be shown; reload the page.");
      }
    });
    socket.addEventListener("close", function (event) {
      root.dataset.chatLive = "false";
      socket = null;
      if (event.code === 4403) {
        say("Chat is not available to you here.");
        return;
      }
      if (event.code === 4401) {
        say("You are signed out: sign in again to chat.");
        return;
      }
      say("Reconnecting…");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return; // the plain POST instead
      event.preventDefault();
      const box = form.querySelector("textarea[name=body]");
      const body = box.value.trim();
      if (!body) return;
      const frame = { type: "message", body: body };
      if (mode === "console") frame.conversation = current;
      socket.send(JSON.stringify(frame));
      box.value = "";
      say("");
      box.focus();
    });
    const box = form.querySelector("textarea[name=body]");
    if (box) {
      // Enter sends, Shift+Enter starts a new line (as in every chat).
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
    }
  }

  localTimes(root);
  connect();
})();
