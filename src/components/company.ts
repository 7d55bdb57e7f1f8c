/**
 * The company's contact details, in one place so the footer, the about page and the
 * terms of use can never disagree.
 */
export const company = {
  name: 'CustomerTrackr',
  legalName: 'CustomerTrackr, Inc.',
  street: '125 Pearl Street, Suite 400',
  city: 'Boston, MA 02110',
  country: 'United States',
  supportEmail: 'support@customertrackr.com',
  privacyEmail: 'privacy@customertrackr.com',
  legalEmail: 'legal@customertrackr.com',
  // 555-01xx numbers are reserved for fictional use and never ring a real line.
  phone: '+1 (617) 555-0142',
  phoneHref: '+16175550142',
  supportHours: 'Monday to Friday, 8:30 a.m. to 6:00 p.m. Eastern Time',
} as const;
