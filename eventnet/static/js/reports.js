/* Report page: follow the progress of files being prepared in the background. */
(function () {
  "use strict";
  var items = document.querySelectorAll("[data-job-url]");
  Array.prototype.forEach.call(items, function (item) {
    var url = item.getAttribute("data-job-url");
    var bar = item.querySelector("progress");
    var message = item.querySelector("[data-job-message]");
    var link = item.querySelector("[data-job-download]");
    function poll() {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (job) {
          if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
          if (message) { message.textContent = job.error || job.message; }
          if (job.done) {
            if (job.downloadable && link) { link.hidden = false; if (bar) { bar.hidden = true; } }
            return;
          }
          window.setTimeout(poll, 1500);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
