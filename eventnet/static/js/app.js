// Progressive enhancement only: every page works without JavaScript.
document.documentElement.classList.add("js");
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
    target.form.requestSubmit();
  }
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
window.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
// A region that scrolls sideways (a wide chart or table on a phone) must be reachable with the
// keyboard: make it focusable only while it actually overflows.
const markScrollRegions = () => {
  document.querySelectorAll("[data-scroll-region]").forEach((region) => {
    if (region.scrollWidth > region.clientWidth + 1) {
      region.setAttribute("tabindex", "0");
    } else {
      region.removeAttribute("tabindex");
    }
  });
};
window.addEventListener("DOMContentLoaded", markScrollRegions);
window.addEventListener("resize", markScrollRegions);
// Tabs that scroll sideways on a phone: bring the current one into view.
window.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".event-tabs [aria-current='page'], .portal-tabs [aria-current='page']").forEach((tab) => {
    const strip = tab.closest(".event-tabs, .portal-tabs");
    if (strip && strip.scrollWidth > strip.clientWidth) {
      const offset = tab.getBoundingClientRect().left - strip.getBoundingClientRect().left;
      strip.scrollLeft += offset - (strip.clientWidth - tab.offsetWidth) / 2;
    }
  });
});
