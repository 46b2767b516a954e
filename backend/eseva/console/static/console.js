// The console's live parts: the queue and a conversation poll small JSON feeds.
// Data is only ever written with textContent, never as HTML.
"use strict";

(function () {
  const body = document.body;
  const pollMs = Math.max(500, parseInt(body.dataset.pollMs || "1000", 10));

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function minutes(seconds) {
    const m = Math.floor(seconds / 60);
    if (m < 60) return m + " min";
    return Math.floor(m / 60) + " h " + String(m % 60).padStart(2, "0") + " min";
  }

  async function getJson(url) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (response.status === 401) {
      window.location.assign("/console/login");
      return null;
    }
    if (!response.ok) return null;
    return response.json();
  }

  function renderQueue(items) {
    const tbody = document.getElementById("queue-rows");
    const rows = items.map(function (item) {
      const tr = document.createElement("tr");
      tr.className = item.priority + " " + item.status;
      tr.dataset.created = item.created_at;
      const first = document.createElement("td");
      const link = document.createElement("a");
      link.href = "/console/handoffs/" + encodeURIComponent(item.id);
      link.textContent = String(item.id);
      first.appendChild(link);
      tr.appendChild(first);
      cell(tr, item.status);
      cell(tr, item.priority);
      cell(tr, minutes(item.waited_seconds)).className = "wait";
      cell(tr, item.reason);
      cell(tr, item.category);
      cell(tr, item.channel);
      cell(tr, item.language);
      cell(tr, item.company);
      cell(tr, item.officer);
      return tr;
    });
    tbody.replaceChildren.apply(tbody, rows);
    document.getElementById("queue-empty").hidden = items.length > 0;
  }

  function renderMessages(messages) {
    const list = document.getElementById("messages");
    const items = messages.map(function (m) {
      const li = document.createElement("li");
      li.className = "turn " + m.direction;
      li.dataset.id = String(m.id);
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = m.direction + (m.officer ? " (" + m.officer + ")" : "");
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = m.text;
      li.append(who, " ", text);
      if (m.direction === "officer") {
        const delivery = document.createElement("span");
        delivery.className = "delivery " + m.delivery_status;
        delivery.textContent =
          m.delivery_status + (m.delivery_error ? ": " + m.delivery_error : "");
        li.append(" ", delivery);
      }
      return li;
    });
    list.replaceChildren.apply(list, items);
  }

  async function pollQueue() {
    try {
      const data = await getJson("/console/api/queue");
      if (data) renderQueue(data.items);
    } finally {
      window.setTimeout(pollQueue, pollMs);
    }
  }

  async function pollHandoff() {
    const id = body.dataset.handoffId;
    let again = true;
    try {
      const data = await getJson("/console/api/handoffs/" + encodeURIComponent(id));
      if (data) {
        renderMessages(data.messages);
        if (data.status !== body.dataset.status) {
          const reply = document.getElementById("reply-text");
          // Someone else changed it (claimed, timed out): show the new state, but
          // never throw away a reply being typed.
          if (!reply || !reply.value) {
            again = false;
            window.location.reload();
          } else {
            document.getElementById("handoff-status").textContent = data.status;
          }
        }
      }
    } finally {
      if (again) window.setTimeout(pollHandoff, pollMs);
    }
  }

  if (body.dataset.page === "queue") window.setTimeout(pollQueue, pollMs);
  if (body.dataset.page === "handoff") window.setTimeout(pollHandoff, pollMs);
})();
