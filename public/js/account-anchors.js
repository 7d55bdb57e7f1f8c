// Links to the sections of the account page from before it was split into pages
// (/account#sessions…) go to the page that has the section now. A classic script in the
// head of /account, so it runs before the first paint.
(() => {
  const moved = {
    email: 'security',
    password: 'security',
    sessions: 'security',
    sharing: 'privacy',
    policy: 'privacy',
    history: 'privacy',
    'staff-access': 'privacy',
    'data-went': 'privacy',
    export: 'data',
    delete: 'data',
  };
  const to = moved[location.hash.slice(1)];
  if (to) location.replace(`/account/${to}${location.hash}`);
})();
