// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // send the CSRF token with htmx requests
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
  // ask before a form marked data-confirm is sent
  document.addEventListener("submit", function (event) {
    var text = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { event.preventDefault(); }
  });
})();
