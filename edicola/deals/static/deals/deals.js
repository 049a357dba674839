// "Copy code" buttons: shown only where the Clipboard API works; the code stays selectable text.
(function () {
  "use strict";
  if (!navigator.clipboard || !window.isSecureContext) return;
  document.querySelectorAll("button.copy-code[data-copy]").forEach(function (button) {
    if (button.dataset.ready) return;
    button.dataset.ready = "1";
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var code = document.getElementById(button.dataset.copy);
      if (!code) return;
      navigator.clipboard.writeText(code.textContent.trim()).then(function () {
        button.textContent = button.dataset.copied;
        button.setAttribute("aria-live", "polite");
        setTimeout(function () { button.textContent = label; }, 2000);
      });
    });
  });
})();
