// Organizer dashboard: fetch the figures again every 30 seconds while the page is visible and
// swap in the parts the server rendered (same macros as the page). A button pauses and resumes
// the updates (WCAG 2.2.2). Without JavaScript the page shows the figures as of loading.
(() => {
  "use strict";
  const root = document.querySelector("[data-dashboard]");
  if (!root) { return; }
  const url = root.dataset.dashUrl;
  const seconds = Math.max(5, Number(root.dataset.refresh) || 30);
  const stamp = document.querySelector("[data-dash-updated]");
  const pause = document.querySelector("[data-dash-pause]");
  let paused = false;
  let timer = null;

  const refresh = async () => {
    if (paused || document.hidden) { return; }
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json", "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      if (!response.ok) { return; }
      const data = await response.json();
      if (String(data.empty) !== root.dataset.empty) {
        window.location.reload(); // the first registration arrived: the page takes its full shape
        return;
      }
      Object.entries(data.parts || {}).forEach(([key, html]) => {
        const target = root.querySelector(`[data-part="${key}"]`);
        // Rendered and escaped by the server (our own templates; charts carry no script).
        if (target && target.innerHTML.trim() !== html) { target.innerHTML = html; }
      });
      if (stamp) {
        stamp.textContent = data.updated;
        stamp.setAttribute("datetime", data.updated_iso);
      }
    } catch (_error) {
      // Offline or signed out: keep the last figures.
    }
  };

  const schedule = () => {
    window.clearInterval(timer);
    timer = window.setInterval(refresh, seconds * 1000);
  };

  if (pause) {
    pause.addEventListener("click", () => {
      paused = !paused;
      pause.textContent = paused ? root.dataset.labelResume : root.dataset.labelPause;
      if (!paused) { refresh(); schedule(); }
    });
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { refresh(); } });
  schedule();
})();
