// Grow and shrink list fields of the drafting form (no inline scripts: the CSP forbids them).
document.addEventListener("click", function (event) {
  const add = event.target.closest("[data-add-row]");
  if (add) {
    const list = document.getElementById(add.dataset.addRow);
    const template = list.querySelector("template");
    list.insertBefore(template.content.cloneNode(true), add.closest(".list-actions") || null);
    event.preventDefault();
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    remove.closest(".list-row").remove();
    event.preventDefault();
  }
  const open = event.target.closest("[data-open-dialog]");
  if (open) {
    document.getElementById(open.dataset.openDialog).showModal();
    event.preventDefault();
  }
  const close = event.target.closest("[data-close-dialog]");
  if (close) {
    close.closest("dialog").close();
    event.preventDefault();
  }
});
