// The view counter's beacon (src/components/ViewCount.astro; docs/decisions/0004-view-counting.md).
// Counts this page load once: one POST with a random key that is new for each page load, so a
// retry, or a second counter on the page, cannot count it twice. A prerendered page counts
// when it is shown, not before. The answer carries the page's counts with this view included;
// the counter (a server island that may arrive before or after it) shows whichever is higher.
const counters = [...document.querySelectorAll('[data-view-count]')];
const path = counters[0]?.getAttribute('data-view-path');

if (path) {
  // New for every page load: the time (so keys arrive roughly in order), then 96 random bits.
  const random = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
  const key = `${Date.now().toString(36)}-${random}`;
  let counted = null;

  const show = (root, name, value) => {
    const number = root.querySelector(`[data-count="${name}"]`);
    const word = root.querySelector(`[data-word="${name}"]`);
    if (!number || Number(root.dataset[name]) >= value) return;
    root.dataset[name] = String(value);
    number.textContent = new Intl.NumberFormat(root.dataset.locale || 'en').format(value);
    if (word) word.textContent = word.getAttribute(value === 1 ? 'data-one' : 'data-other');
  };

  const apply = () => {
    if (!counted) return;
    for (const counter of counters) {
      if (counter.getAttribute('data-view-path') !== path) continue;
      const root = counter.querySelector('[data-views]');
      if (!root) continue;
      show(root, 'views', counted.views);
      show(root, 'visitors', counted.visitors);
    }
  };

  // The island replaces its fallback whenever its response arrives.
  const observer = new MutationObserver(apply);
  for (const counter of counters) observer.observe(counter, { childList: true, subtree: true });

  const send = (retries) =>
    fetch('/api/views/event', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path, key }),
      credentials: 'same-origin',
      keepalive: true,
    })
      .then((response) => {
        if (response.ok) return response.json();
        if (response.status >= 500 && retries > 0) return retry(retries);
        return null;
      })
      .then((answer) => {
        if (answer && typeof answer.views === 'number') {
          counted = answer;
          apply();
        }
      })
      .catch(() => retry(retries));

  // The same key again: the server counts a page load at most once.
  const retry = (retries) => (retries > 0 ? new Promise((resolve) => setTimeout(resolve, 2000)).then(() => send(retries - 1)) : null);

  if (document.prerendering) document.addEventListener('prerenderingchange', () => send(1), { once: true });
  else send(1);
}
