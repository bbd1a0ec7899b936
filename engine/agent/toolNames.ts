// Tool names on the wire. Providers allow fewer characters than the allow-list spells
// (`filesystem.read`, `mcp:files.list`): OpenAI and Anthropic take `^[a-zA-Z0-9_-]{1,64}$`, Gemini
// wants a letter or `_` first. Every name is mapped to what all three take (`filesystem_read`,
// `mcp__files__list`), one table per agent, so a call's name maps back to exactly one entry.
import { createHash } from 'node:crypto';

export const MAX_WIRE_NAME = 64;
/** Names the adapters use themselves (Anthropic's forced structured answer). */
const RESERVED = new Set(['answer']);

/** The wire form of a spelling: `.` → `_`, `mcp:S.T` → `mcp__S__T`, other characters `_`, a letter or `_` first, 64 at most. */
export function wireBase(spelling: string): string {
  let s = spelling;
  const mcp = /^mcp:([^.]*)\.(.*)$/s.exec(s);
  if (mcp) s = `mcp__${mcp[1]}__${mcp[2]}`;
  else if (s.startsWith('mcp:')) s = `mcp__${s.slice(4)}`;
  else if (s.startsWith('pipeline:')) s = `pipeline__${s.slice(9)}`;
  else if (s.startsWith('agent:')) s = `agent__${s.slice(6)}`;
  s = s.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `_${s}`;
  if (s.length > MAX_WIRE_NAME) s = `${s.slice(0, MAX_WIRE_NAME - 9)}_${createHash('sha256').update(spelling).digest('hex').slice(0, 8)}`;
  return s;
}

/** One agent's names: each spelling gets a wire name no other spelling has. */
export class WireNames {
  private readonly toWire = new Map<string, string>();
  private readonly toSpelling = new Map<string, string>();

  /** The wire name of a spelling (`base`: the form to start from, when not the spelling's own). */
  wire(spelling: string, base = wireBase(spelling)): string {
    const known = this.toWire.get(spelling);
    if (known) return known;
    let name = RESERVED.has(base) ? `${base}_` : base;
    for (let n = 2; this.toSpelling.has(name); n++) {
      const suffix = `_${n}`;
      name = `${base.slice(0, MAX_WIRE_NAME - suffix.length)}${suffix}`;
    }
    this.toWire.set(spelling, name);
    this.toSpelling.set(name, spelling);
    return name;
  }

  /** The spelling a wire name stands for (undefined: the model named a tool it was not given). */
  spelling(wire: string): string | undefined {
    return this.toSpelling.get(wire);
  }
}
