// Organizer area, progressive enhancement only: every page works without JavaScript.
(() => {
  "use strict";

  // Buttons that need a second thought (e.g. "Send to 500 people") carry data-confirm.
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const message = button ? button.getAttribute("data-confirm") : null;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Live Markdown preview: the server renders and sanitizes (same code as the public page).
  const csrfToken = () => {
    const input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  };

  const attachPreview = (textarea) => {
    const target = document.getElementById(textarea.getAttribute("data-markdown-preview"));
    const url = textarea.getAttribute("data-preview-url");
    if (!target || !url) { return; }
    let timer = null;
    let latest = 0;
    const update = async () => {
      const ticket = ++latest;
      const body = new FormData();
      body.append("text", textarea.value);
      body.append("csrf_token", csrfToken());
      try {
        const response = await fetch(url, {
          method: "POST",
          body,
          headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok || ticket !== latest) { return; }
        const data = await response.json();
        target.innerHTML = data.html; // sanitized by the server (nh3)
      } catch (_error) {
        // Offline or session expired: the preview simply stays as it was.
      }
    };
    textarea.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 300);
    });
  };

  document.querySelectorAll("textarea[data-markdown-preview]").forEach(attachPreview);
})();
