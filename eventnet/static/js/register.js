// Registration form, progressive enhancement: show only the sections for the chosen role.
// Without JavaScript every section shows, each with a legend saying whom it is for.
(() => {
  const form = document.querySelector("form[data-role-form]");
  if (!form) { return; }
  const sections = Array.from(form.querySelectorAll("[data-roles]"));
  const radios = Array.from(form.querySelectorAll('input[name="role"]'));
  const update = () => {
    const chosen = radios.find((radio) => radio.checked);
    sections.forEach((section) => {
      const roles = section.getAttribute("data-roles").split(" ");
      // Nothing chosen yet: show everything, as without JavaScript.
      const show = !chosen || roles.includes(chosen.value);
      section.hidden = !show;
      section.querySelectorAll("input, select, textarea").forEach((input) => {
        input.disabled = !show;
      });
    });
  };
  radios.forEach((radio) => radio.addEventListener("change", update));
  update();
})();
