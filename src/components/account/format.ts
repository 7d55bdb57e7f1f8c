/** How the account page writes times: in UTC, said so, with the machine-readable instant alongside. */
const DATE_TIME = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

export function formatDateTime(at: Date | string): string {
  return `${DATE_TIME.format(typeof at === 'string' ? new Date(at) : at)} UTC`;
}

export function isoOf(at: Date | string): string {
  return (typeof at === 'string' ? new Date(at) : at).toISOString();
}
