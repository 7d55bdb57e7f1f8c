import { formatCount } from './format.ts';

/**
 * A small SVG badge, "views | 1,234", for pages elsewhere (GET /api/views/badge.svg).
 * Self-contained: no script, no style element, no external reference. White text on
 * #555 and on the site's accent blue, both above 7:1.
 */
const HEIGHT = 20;
const LABEL = 'views';

// Rough advance widths of Verdana at 11px (the badge's first font), generous on purpose.
function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[0-9]/.test(ch) ? 7 : /[a-z]/.test(ch) ? 6.6 : /[A-Z]/.test(ch) ? 7.6 : 3.6;
  return Math.ceil(width);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function renderBadge(views: number, locale?: string): string {
  const value = formatCount(views, locale);
  const labelWidth = textWidth(LABEL) + 12;
  const valueWidth = textWidth(value) + 12;
  const width = labelWidth + valueWidth;
  const title = escapeXml(`${LABEL}: ${value}`);
  const text = (x: number, content: string) =>
    `<text x="${x}" y="15" fill="#010101" fill-opacity=".3">${content}</text><text x="${x}" y="14">${content}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" role="img" aria-label="${title}">` +
    `<title>${title}</title>` +
    `<clipPath id="r"><rect width="${width}" height="${HEIGHT}" rx="3"/></clipPath>` +
    `<g clip-path="url(#r)"><rect width="${labelWidth}" height="${HEIGHT}" fill="#555"/>` +
    `<rect x="${labelWidth}" width="${valueWidth}" height="${HEIGHT}" fill="#2847c9"/></g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="11">` +
    text(labelWidth / 2, LABEL) +
    text(labelWidth + valueWidth / 2, escapeXml(value)) +
    `</g></svg>`
  );
}
