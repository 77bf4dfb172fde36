/* The menu button of narrow screens: it opens and closes the navigation (and Sign out), says
 * so to assistive technology (aria-expanded), and closes on Escape. Wide screens never see it. */
(function () {
  "use strict";
  function ready() {
    const header = document.getElementById("top");
    const button = document.getElementById("menu-toggle");
    if (!header || !button) return;
    function set(open) {
      header.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? "Close menu" : "Menu";
    }
    button.addEventListener("click", function () { set(!header.classList.contains("open")); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("open")) { set(false); button.focus(); }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
