// After a form submission, move focus to the page's message so it is read out first.
const alert = document.querySelector('[data-focus-on-load]');
if (alert) alert.focus();

// The error summary's links put focus in their field, with its label in view (a plain
// fragment link only scrolls to the control, hiding its label above the fold).
for (const link of document.querySelectorAll('.error-summary a[href^="#"]')) {
  link.addEventListener('click', (event) => {
    const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    (field.closest('.field') ?? field).scrollIntoView({ block: 'start' });
    field.focus({ preventScroll: true });
  });
}
