// The exact time of each relative <time> in the reader's own time zone, in its title (the
// server wrote it in UTC). Only the title changes, so nothing on the page moves.
const format = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
});
for (const time of document.querySelectorAll('time[data-local-title]')) {
  const at = new Date(time.dateTime);
  if (!Number.isNaN(at.getTime())) time.title = format.format(at);
}
