// The portal's own few lines of script (the strict CSP allows no inline script).
// - A button marked data-portal-print prints the page.
// - Tables folded in <details data-print-open> (the figures of a chart) are printed unfolded.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-portal-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

window.addEventListener("beforeprint", () => {
  for (const details of document.querySelectorAll("details[data-print-open]")) {
    details.dataset.wasOpen = details.open ? "1" : "";
    details.open = true;
  }
});

window.addEventListener("afterprint", () => {
  for (const details of document.querySelectorAll("details[data-print-open]")) {
    details.open = details.dataset.wasOpen === "1";
  }
});
