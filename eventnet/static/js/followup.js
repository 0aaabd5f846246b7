// Organizer follow-up page: refresh the survey figures while the page is open (progressive
// enhancement; without JavaScript the page shows the figures as of loading).
(() => {
  const box = document.querySelector("[data-live-url]");
  if (!box) { return; }
  const note = document.querySelector("[data-live-note]");
  if (note) { note.hidden = false; }
  const refresh = async () => {
    if (document.hidden) { return; }
    try {
      const response = await fetch(box.dataset.liveUrl, {
        headers: { "Accept": "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) { return; }
      const data = await response.json();
      for (const el of box.querySelectorAll("[data-live]")) {
        const value = data[el.dataset.live];
        if (value !== undefined && el.textContent !== String(value)) {
          el.textContent = String(value);
        }
      }
    } catch (_error) {
      // Offline or signed out: keep the last figures.
    }
  };
  window.setInterval(refresh, 30000);
  document.addEventListener("visibilitychange", refresh);
})();
