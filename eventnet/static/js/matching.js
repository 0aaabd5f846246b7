// Matching and schedule pages: follow background jobs' progress, then show their result.
// Progressive enhancement: without JavaScript the page offers a reload link instead.
(function () {
  "use strict";

  function follow(box) {
    const bar = box.querySelector("progress");
    const message = box.querySelector(".job-message");
    const url = box.getAttribute("data-job-url");
    const doneUrl = box.getAttribute("data-done-url");
    let delay = 700;

    function poll() {
      fetch(url, {
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
        credentials: "same-origin",
      })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((job) => {
          if (bar) { bar.value = job.progress; bar.textContent = job.progress + " %"; }
          if (message) { message.textContent = job.error || job.message || ""; }
          if (job.done) {
            const target = new URL(doneUrl, window.location.href);
            const here = new URL(window.location.href);
            if (target.pathname + target.search === here.pathname + here.search) {
              window.location.hash = target.hash;
              window.location.reload();
            } else {
              window.location.assign(target.href);
            }
            return;
          }
          delay = Math.min(delay * 1.3, 4000);
          window.setTimeout(poll, delay);
        })
        .catch(() => { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, delay);
  }

  document.querySelectorAll("[data-job-url]").forEach(follow);
}());
