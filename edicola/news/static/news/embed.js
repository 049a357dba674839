/* Click-to-load embeds: the third party is contacted only after the reader asks. */
document.querySelectorAll(".embed-consent[data-embed-src]").forEach(function (box) {
  var button = box.querySelector(".embed-load");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var frame = document.createElement("iframe");
    frame.src = box.dataset.embedSrc;
    frame.title = box.dataset.embedTitle || "";
    frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    frame.setAttribute("allowfullscreen", "");
    frame.loading = "lazy";
    box.replaceChildren(frame);
    box.classList.add("embed-loaded");
  });
});
