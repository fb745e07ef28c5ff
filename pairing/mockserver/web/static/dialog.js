// A modal yes/no question in the page's language (window.confirm cannot
// be translated or styled).

/** confirmDialog asks and resolves to true only when the person chose okLabel. */
export function confirmDialog(title, text, okLabel) {
  const dialog = document.getElementById("confirm-dialog");
  const ok = document.getElementById("dialog-ok");
  const cancel = dialog.querySelector("[value=cancel]");
  document.getElementById("dialog-title").textContent = title;
  document.getElementById("dialog-text").textContent = text;
  ok.textContent = okLabel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const onOk = (e) => { e.preventDefault(); finish(true); };
    const onCancel = (e) => { e.preventDefault(); finish(false); };
    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    cancel.focus();
  });
}
