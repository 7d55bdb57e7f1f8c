// After a form submission, move focus to the page's message so it is read out first.
const alert = document.querySelector('[data-focus-on-load]');
if (alert) alert.focus();
