// Progressive enhancement only: every page works without JavaScript.
document.documentElement.classList.add("js");
// A select with data-autosubmit sends its form when chosen with a mouse or finger. With the
// keyboard, arrow keys change a closed select's value one step at a time, and reloading the
// page on each step would be a change of context (WCAG 3.2.2): the form's submit button is
// shown instead, one Tab away.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement) { target.dataset.keyboard = "1"; }
});
document.addEventListener("pointerdown", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement) { delete target.dataset.keyboard; }
});
document.addEventListener("change", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLSelectElement) || !target.hasAttribute("data-autosubmit")) { return; }
  if (target.dataset.keyboard) {
    target.form.querySelectorAll(".js-hidden").forEach((node) => node.classList.remove("js-hidden"));
  } else {
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
// A region that scrolls sideways (a wide table or chart on a phone) must be reachable with the
// keyboard: make it focusable, and name it, only while it actually overflows.
const markScrollRegions = () => {
  document.querySelectorAll("[data-scroll-region], .table-wrap").forEach((region) => {
    if (region.scrollWidth > region.clientWidth + 1) {
      region.setAttribute("tabindex", "0");
      if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
        const caption = region.querySelector("caption");
        if (caption && caption.textContent.trim()) {
          region.setAttribute("role", "region");
          region.setAttribute("aria-label", caption.textContent.trim());
        }
      }
    } else if (region.getAttribute("tabindex") === "0") {
      region.removeAttribute("tabindex");
    }
  });
};
window.addEventListener("DOMContentLoaded", markScrollRegions);
window.addEventListener("resize", markScrollRegions);
// Tabs that scroll sideways on a phone: bring the current one into view.
window.addEventListener("DOMContentLoaded", () => {
  const current = ".event-tabs [aria-current='page'], .event-setup [aria-current='page'], .portal-tabs [aria-current='page']";
  document.querySelectorAll(current).forEach((tab) => {
    const strip = tab.closest(".event-tabs, .event-setup, .portal-tabs");
    if (strip && strip.scrollWidth > strip.clientWidth) {
      const offset = tab.getBoundingClientRect().left - strip.getBoundingClientRect().left;
      strip.scrollLeft += offset - (strip.clientWidth - tab.offsetWidth) / 2;
    }
  });
});
// "Print" buttons (shown only with JavaScript): the print stylesheet does the rest.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) { window.print(); }
});
