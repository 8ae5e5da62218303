// execdesk: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
    });
  }
});
// A failed tone check (session expired, server error) says so instead of failing silently.
document.addEventListener("htmx:responseError", function (evt) {
  var target = evt.detail.target;
  if (target) {
    target.textContent = "The tone check failed (" + evt.detail.xhr.status + "). Reload the page; saving the draft still runs the guard.";
  }
});
