// The texts of a graph node fitted to its box (media/drawing.ts draws the node): its name and the
// line under it cut with an ellipsis where they would reach the badge or the box's edge, measured in
// the panel's fonts on a canvas; the badge beside the name, or under a name too long for both.
import type { PlacedNode } from './layout';

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

// A node's texts fit its box: the name (and the line under it) is cut with an ellipsis where it would
// reach the badge or the box's edge, measured in the fonts webview.css gives them (a canvas measures
// without laying the page out). The whole name is in the node's hover text and screen-reader label.
export const TEXT_X = 10;
export const BADGE_INSET = 8;
/** Room kept between the name and its badge. */
const BADGE_GAP = 8;
const LABEL_PX = 12.5;
const DETAIL_PX = 11;
let measurer: { ctx: CanvasRenderingContext2D | null; family: string } | null = null;
const fitted = new Map<string, string>();

/** The width of `text` in the panel's font; null where there is no canvas (then by characters). */
function measure(text: string, px: number, bold: boolean): number | null {
  if (!measurer) {
    const ctx = document.createElement('canvas').getContext('2d');
    measurer = { ctx, family: getComputedStyle(document.body).fontFamily || 'sans-serif' };
  }
  if (!measurer.ctx) return null;
  measurer.ctx.font = `${bold ? 600 : 400} ${px}px ${measurer.family}`;
  return measurer.ctx.measureText(text).width;
}

/** Forgets the fitted texts when the panel's font changed (a theme or font setting). */
export function fontChanged(): void {
  if (measurer && measurer.family !== (getComputedStyle(document.body).fontFamily || 'sans-serif')) {
    measurer = null;
    fitted.clear();
  }
}

/** `text` whole when it fits `room` pixels, else its longest start that fits with an ellipsis. */
function fitText(text: string, room: number, px: number, bold: boolean): string {
  // no printable ASCII glyph is wider than the font's size: a text that short fits without measuring
  if (text.length * px <= room && /^[\x20-\x7e]*$/.test(text)) return text;
  const key = `${px}${bold ? 'b' : ''}|${Math.floor(room)}|${text}`;
  const known = fitted.get(key);
  if (known !== undefined) return known;
  let out = text;
  const whole = measure(text, px, bold);
  if (whole === null) out = truncate(text, Math.max(2, Math.floor(room / (px * 0.6))));
  else if (whole > room) {
    let lo = 0;
    let hi = text.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (measure(`${text.slice(0, mid)}…`, px, bold)! <= room) lo = mid;
      else hi = mid - 1;
    }
    out = `${text.slice(0, lo)}…`;
  }
  if (fitted.size > 20_000) fitted.clear();
  fitted.set(key, out);
  return out;
}

export const LINE1_Y = 18;
export const LINE2_Y = 35;

/** The room a badge takes on its line, the gap before it included (bold, as a step with errors has it). */
export function badgeRoom(badge: string): number {
  return badge ? (measure(badge, 11, true) ?? badge.length * 7) + BADGE_GAP : 0;
}

/** Where a node's badge goes and its name as drawn. The badge sits beside the name when the whole
 * name fits beside it; otherwise a step's badge goes to the line under the name (whose text then
 * gives it room) and the name has the node's width; a loop's header has one line, so there the
 * name is cut before the badge. `below`: the room the badge takes on the second line. */
export function placeTexts(n: PlacedNode, badge: string): { label: string; badgeY: number; below: number } {
  const header = n.kind === 'loop' && !n.hidden;
  const room = n.width - TEXT_X - BADGE_INSET;
  const bw = badgeRoom(badge);
  const beside = fitText(n.label, room - bw, LABEL_PX, true);
  if (!badge || beside === n.label || header) return { label: beside, badgeY: LINE1_Y, below: 0 };
  return { label: fitText(n.label, room, LABEL_PX, true), badgeY: LINE2_Y, below: bw };
}

/** The line under a node's name fitted to its box (before the badge when the badge is on that line). */
export function fitDetail(text: string, width: number, below = 0): string {
  return fitText(text, width - TEXT_X - BADGE_INSET - below, DETAIL_PX, false);
}
