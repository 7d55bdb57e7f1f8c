// @ts-check
/*
 * Collapses the header navigation behind the "Menu" button on narrow screens.
 *
 * This lives in public/ rather than in a processed <script> in SiteHeader.astro because
 * Astro inlines processed scripts smaller than 4 kB into every page; the site's
 * Content-Security-Policy is simplest to reason about when all script is an external
 * file from our own origin. Without this script the navigation simply stays visible.
 */
const header = document.querySelector('[data-site-header]');
const toggle = header?.querySelector('button[data-menu-toggle]');
const menu = toggle && document.getElementById(toggle.getAttribute('aria-controls') ?? '');

if (header instanceof HTMLElement && toggle instanceof HTMLButtonElement && menu) {
  const isOpen = () => toggle.getAttribute('aria-expanded') === 'true';
  /** @param {boolean} open */
  const setOpen = (open) => toggle.setAttribute('aria-expanded', String(open));

  // A native <button> already turns Enter and Space into a click.
  toggle.addEventListener('click', () => setOpen(!isOpen()));

  header.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && isOpen()) {
      setOpen(false);
      toggle.focus();
    }
  });

  // A tap outside the header closes the panel, as it does in most phone menus.
  document.addEventListener('click', (event) => {
    if (isOpen() && event.target instanceof Node && !header.contains(event.target)) setOpen(false);
  });

  setOpen(false);
  toggle.hidden = false;
  header.dataset.menu = 'collapsible';
}
