// Text from outside (a model's answer, a finding that quotes it) shown on a terminal: control
// sequences are removed (a window title, a cleared screen, a moved cursor or a hidden line cannot
// be forged) and the length is bounded, with a marker saying how much was left out. `--json`
// output keeps the text whole; it is data, not a terminal.

/** ESC sequences (CSI, OSC, DCS and friends, two-character escapes), and C1 controls as single code points. */
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[@-Z\\-_]|.?)|\x9b[0-?]*[ -/]*[@-~]|[\x90\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:[\x07\x9c]|\x1b\\)?/gs;
/** Other controls, except tab and line feed. */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** The text without terminal control sequences or control characters (tab and new line kept). */
export function stripControls(s: string): string {
  return s.replace(ESCAPES, '').replace(CONTROLS, '');
}

/** Text for one line of a terminal (a table's cell, a case id): no controls, any run of white space one space. */
export function terminalLine(s: string): string {
  return stripControls(s).replace(/\s+/g, ' ').trim();
}

/** Text fit for a terminal: no control sequences, at most `max` characters, then a marker. */
export function terminalText(s: string, max = 4000): string {
  const clean = stripControls(s);
  if (clean.length <= max) return clean;
  return `${clean.slice(0, max)}… (${clean.length - max} more characters not shown; --json has the whole text)`;
}
