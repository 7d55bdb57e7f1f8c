// A strength hint while a new password is typed. The server's rules (length, common
// passwords, patterns) are what decide; this only helps before submitting.
const MIN = 15;

function hint(value) {
  const length = [...value].length;
  if (length === 0) return { level: 0, text: `Use at least ${MIN} characters. A few unrelated words work well.` };
  if (length < MIN) return { level: 1, text: `${MIN - length} more character${MIN - length === 1 ? '' : 's'} needed.` };
  if (/^(.+?)\1+$/.test(value)) return { level: 1, text: 'This only repeats a shorter pattern.' };
  const distinct = new Set(value.toLowerCase()).size;
  if (distinct < 6) return { level: 1, text: 'Use more different characters or words.' };
  if (length >= 24 && distinct >= 12) return { level: 3, text: 'Strong: long and varied.' };
  return { level: 2, text: 'Good. Longer is even better.' };
}

for (const input of document.querySelectorAll('input[data-password-hint]')) {
  const output = document.getElementById(input.dataset.passwordHint);
  const meter = output?.querySelector('meter');
  const text = output?.querySelector('[data-hint-text]');
  if (!output || !text) continue;
  // After a refused submission the field's error already says what is wrong: the hint stays
  // quiet until the reader types, so it never repeats the error.
  const refused = input.getAttribute('aria-invalid') === 'true';
  const update = () => {
    const { level, text: message } = hint(input.value);
    text.textContent = refused && input.value === '' ? '' : message;
    if (meter) meter.value = level;
  };
  input.addEventListener('input', update);
  update();
}
