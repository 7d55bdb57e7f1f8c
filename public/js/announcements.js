// @ts-check
/*
 * Announcement banners (src/components/announcements/AnnouncementList.astro), enhanced:
 * - the page keeps room at its end for the docked banners, measured here (CSS has a guess);
 * - Dismiss posts in the background and removes the banner without a reload, then moves
 *   focus to the next banner, or to the main content when none is left.
 * Without this script the Dismiss form posts normally and the page comes back.
 */
const region = document.querySelector('[data-announcements]');

if (region instanceof HTMLElement) {
  const root = document.documentElement;
  const measure = () => root.style.setProperty('--announcements-height', `${region.offsetHeight}px`);
  new ResizeObserver(measure).observe(region);
  measure();

  /** @param {Element | null | undefined} item */
  const focusWithin = (item) => {
    const target = item?.querySelector('button, a');
    if (target instanceof HTMLElement) {
      target.focus();
      return;
    }
    const main = document.getElementById('main');
    if (main) {
      main.tabIndex = -1;
      main.addEventListener('blur', () => main.removeAttribute('tabindex'), { once: true });
      main.focus({ preventScroll: true });
    }
  };

  region.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-dismiss')) return;
    event.preventDefault();
    const button = form.querySelector('button');
    if (button) button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        body: new FormData(form),
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
      });
      if (!response.ok) throw new Error(`dismiss answered ${response.status}`);
    } catch {
      // Let the browser post the form itself (and show any error page).
      form.submit();
      return;
    }
    const item = form.closest('li');
    const next = item?.nextElementSibling ?? item?.previousElementSibling;
    item?.remove();
    if (!region.querySelector('li')) {
      region.remove();
      root.style.removeProperty('--announcements-height');
    }
    focusWithin(next);
  });
}
