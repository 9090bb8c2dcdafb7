// Palabre: a "copy" button beside a link to pass on. An enhancement: without JavaScript the
// link stays in its field, selectable as any text.
document.querySelectorAll("input[data-copy-label]").forEach(function (field) {
  if (!navigator.clipboard) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button button-secondary";
  button.textContent = field.dataset.copyLabel;
  var status = document.createElement("span");
  status.setAttribute("role", "status");
  status.className = "copy-status";
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      status.textContent = field.dataset.copiedLabel;
    });
  });
  field.insertAdjacentElement("afterend", status);
  field.insertAdjacentElement("afterend", button);
});
