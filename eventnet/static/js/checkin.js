// Check-in desk: type-ahead search, one-tap check-in and undo, live counts.
// Progressive enhancement: without JavaScript the search is a GET form and the buttons are
// POST forms; this script does the same requests with fetch and updates the page in place.
(() => {
  "use strict";
  const form = document.querySelector("form.desk-search");
  const input = document.getElementById("desk-q");
  const list = document.getElementById("desk-results");
  const status = document.getElementById("desk-status");
  const countsBox = document.getElementById("desk-counts");
  if (!form || !input || !list) { return; }

  const data = list.dataset;
  const statusLabels = JSON.parse(data.statusLabels || "{}");
  const roleLabels = JSON.parse(data.roleLabels || "{}");
  const hits = new Map();
  let searchTimer = null;
  let searchTicket = 0;

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  };
  const urlFor = (template, id) => template.replace(/\/attendees\/0(\/|$)/, `/attendees/${id}$1`);
  const timeOf = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  const say = (message, kind) => {
    if (!status) { return; }
    status.textContent = message;
    status.classList.toggle("is-ok", kind === "ok");
    status.classList.toggle("is-error", kind === "error");
  };

  const actionForm = (url, label, className, name) => {
    const f = el("form");
    f.method = "post";
    f.action = url;
    f.setAttribute("data-desk-action", "");
    const token = el("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = data.csrf;
    f.appendChild(token);
    const button = el("button", className, label);
    button.type = "submit";
    button.appendChild(el("span", "visually-hidden", ` ${name}`));
    f.appendChild(button);
    return f;
  };

  const render = (hit) => {
    const li = el("li", `desk-item role-${hit.role}${hit.checked_in_at ? " is-in" : ""}`);
    li.dataset.id = hit.id;
    const who = el("div", "desk-who");
    who.appendChild(el("span", "desk-name", hit.name));
    who.appendChild(el("span", "desk-sub", hit.organization || hit.email));
    const tags = el("span", "desk-tags");
    tags.appendChild(el("span", `role-chip role-${hit.role}`, roleLabels[hit.role] || hit.role));
    const badge = el("span", `badge badge-${hit.status}`, statusLabels[hit.status] || hit.status);
    if (hit.waitlist_position) { badge.textContent += ` #${hit.waitlist_position}`; }
    tags.appendChild(badge);
    tags.appendChild(el("code", "", hit.ticket_code));
    who.appendChild(tags);
    li.appendChild(who);
    const action = el("div", "desk-action");
    if (hit.checked_in_at) {
      action.appendChild(el("span", "desk-done", `${data.labelIn} ${timeOf(hit.checked_in_at)}`));
      action.appendChild(actionForm(urlFor(data.undoUrl, hit.id), data.labelUndo, "button button-small", hit.name));
    } else if (hit.status === "confirmed" || hit.status === "pending") {
      action.appendChild(actionForm(urlFor(data.checkinUrl, hit.id), data.labelCheckin, "button button-primary button-checkin", hit.name));
    } else {
      const link = el("a", "button button-small", data.labelOpen);
      link.href = urlFor(data.detailUrl, hit.id);
      link.appendChild(el("span", "visually-hidden", ` ${hit.name}`));
      action.appendChild(link);
    }
    li.appendChild(action);
    return li;
  };

  const show = (results, query) => {
    hits.clear();
    list.replaceChildren(...results.map((hit) => { hits.set(String(hit.id), hit); return render(hit); }));
    const empty = document.querySelector(".desk-page .empty-state");
    if (empty) { empty.remove(); }
    if (query && !results.length) {
      say(data.labelNone, "error");
    } else if (status && status.classList.contains("is-error")) {
      say("", "");
    }
  };

  const search = async () => {
    const query = input.value.trim();
    const ticket = ++searchTicket;
    if (!query) { show([], ""); return; }
    try {
      const url = `${form.dataset.searchUrl}?q=${encodeURIComponent(query)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) { throw new Error(String(response.status)); }
      const body = await response.json();
      if (ticket === searchTicket) { show(body.results, query); }
    } catch (_error) {
      form.submit(); // fall back to the plain search page (e.g. when signed out)
    }
  };

  const updateCounts = (counts) => {
    if (!countsBox || !counts) { return; }
    const set = (key, value) => {
      const node = countsBox.querySelector(`[data-count="${key}"]`);
      if (node) { node.textContent = String(value); }
    };
    set("arrived", counts.arrived);
    set("expected", counts.expected);
    Object.entries(counts.roles || {}).forEach(([role, c]) => {
      set(`${role}-arrived`, c.arrived);
      set(`${role}-expected`, c.expected);
    });
  };

  const refreshCounts = async () => {
    if (!countsBox || document.hidden) { return; }
    try {
      const response = await fetch(countsBox.dataset.countsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) { updateCounts(await response.json()); }
    } catch (_error) { /* keep the last numbers */ }
  };

  input.addEventListener("input", () => {
    window.clearTimeout(searchTimer);
    searchTimer = window.setTimeout(search, 150);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.clearTimeout(searchTimer);
    search();
  });

  list.addEventListener("submit", async (event) => {
    const target = event.target;
    if (!(target instanceof HTMLFormElement) || !target.hasAttribute("data-desk-action")) { return; }
    event.preventDefault();
    const button = target.querySelector("button");
    if (button) { button.disabled = true; }
    try {
      const response = await fetch(target.action, {
        method: "POST",
        body: new FormData(target),
        headers: { Accept: "application/json", "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      const body = await response.json();
      if (!response.ok || !body.ok) {
        say(body.message || "Error", "error");
        if (button) { button.disabled = false; }
        return;
      }
      const item = target.closest("li");
      const id = String(body.registration.id);
      const known = hits.get(id) || {
        organization: item ? (item.querySelector(".desk-sub") || {}).textContent : "",
        email: "",
      };
      const merged = { ...known, ...body.registration };
      hits.set(id, merged);
      if (item) { item.replaceWith(render(merged)); }
      updateCounts(body.counts);
      say(body.message, body.already ? "error" : "ok");
      input.focus();
      input.select();
    } catch (_error) {
      target.submit();
    }
  });

  window.setInterval(refreshCounts, 15000);
  document.addEventListener("visibilitychange", refreshCounts);
})();
