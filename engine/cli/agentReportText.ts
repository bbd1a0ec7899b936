// The agent steps of `orc report` as text: for each, how its loop stopped and where its time and
// money went, then turn by turn the model, latency, tokens and cost, and under each turn the tool
// calls it asked for with their statuses and durations (a named agent's own turns under its call).
import type { AgentCallFigures, AgentFigures, AgentReport, AgentTurnFigures } from '../api/index';
import { paint, type Style } from './findingFormat';
import { stripControls } from './terminalText';

const took = (ms: number | null): string => (ms === null ? '–' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`);
const money = (usd: number): string => `$${usd.toFixed(4)}`;
const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** A tool's error or a model's text on one line, bounded. */
function oneLine(s: string, max = 120): string {
  const flat = stripControls(s).replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

function stopWords(a: AgentFigures): string {
  const how = a.stop_reason === 'answered' ? 'answered' : `stopped (${a.stop_reason})`;
  return `${how} after ${plural(a.turns, 'turn')} and ${plural(a.tool_calls, 'tool call')}`;
}

function spendWords(a: AgentFigures): string {
  return `${took(a.model_ms)} in the model, ${took(a.tools_ms)} in tools; ${a.tokens_in}+${a.tokens_out} tokens, ${money(a.cost_usd)}`;
}

function turnLines(turns: AgentTurnFigures[], indent: string, style: Style, out: (s: string) => void): void {
  const w = {
    model: Math.max(0, ...turns.map((t) => t.model.length)),
    latency: Math.max(0, ...turns.map((t) => took(t.latency_ms).length)),
    tokens: Math.max(0, ...turns.map((t) => `${t.tokens_in}+${t.tokens_out}`.length)),
  };
  for (const t of turns) {
    const why = [t.finish_reason ?? '', t.kind === 'final' ? 'the last call after a limit' : t.kind === 'structured' ? 'the answer shaped into vars' : ''].filter(Boolean).join(', ');
    out(`${indent}${paint(style, 'bold', `turn ${t.turn}`)}  ${t.model.padEnd(w.model)}  ${took(t.latency_ms).padStart(w.latency)}  ${`${t.tokens_in}+${t.tokens_out}`.padStart(w.tokens)} tokens  ${money(t.cost_usd)}${why ? `  ${paint(style, 'dim', oneLine(why))}` : ''}`.trimEnd());
    callLines(t.calls, `${indent}  `, style, out);
  }
}

function callLines(calls: AgentCallFigures[], indent: string, style: Style, out: (s: string) => void): void {
  const width = Math.max(0, ...calls.map((c) => c.tool.length));
  const statusWidth = Math.max(0, ...calls.map((c) => c.status.length));
  for (const c of calls) {
    const status = paint(style, c.status === 'ok' ? 'info' : c.status === 'error' ? 'error' : 'warning', c.status.padEnd(statusWidth));
    out(`${indent}↳ ${c.tool.padEnd(width)}  ${status}  ${took(c.duration_ms)}${c.error ? `  ${paint(style, 'dim', oneLine(c.error))}` : ''}`);
    if (c.agent) {
      out(`${indent}    ${paint(style, 'dim', `${stopWords(c.agent)}; ${spendWords(c.agent)}`)}`);
      agentBody(c.agent, `${indent}    `, style, out);
    }
  }
}

function agentBody(a: AgentFigures, indent: string, style: Style, out: (s: string) => void): void {
  turnLines(a.transcript, indent, style, out);
  if (a.turns_omitted) out(`${indent}${paint(style, 'dim', `… ${plural(a.turns_omitted, 'turn')} between these not kept in the result (a long loop keeps its first and latest)`)}`);
  if (a.calls_without_turn?.length) {
    out(`${indent}${paint(style, 'dim', 'calls of turns not kept:')}`);
    callLines(a.calls_without_turn, `${indent}  `, style, out);
  }
  if (a.calls_omitted) out(`${indent}${paint(style, 'dim', `… ${plural(a.calls_omitted, 'tool call')} not kept in the result`)}`);
}

export function printAgents(agents: AgentReport[], style: Style, out: (s: string) => void): void {
  out(paint(style, 'bold', 'Agents'));
  for (const a of agents) {
    const status = a.status === 'completed' ? '' : ` (${a.status}${a.error ? `: ${oneLine(a.error)}` : ''})`;
    out(`  ${paint(style, 'bold', a.step)}${status}: ${stopWords(a)} in ${took(a.duration_ms)}; ${spendWords(a)}`);
    agentBody(a, '    ', style, out);
  }
}
