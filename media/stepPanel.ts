// The step panel: the selected step's status, facts (duration, attempts, model, tokens, cost), the
// models of its fallback chain, error, inputs, an agent's conversation (transcript.ts), result, vars,
// streamed output, attempts and iterations.
import { errorLines, nodeErrors } from './errorMarks';
import { el, main, panel } from './page';
import { formatCost, formatDuration } from './runState';
import { transcript } from './transcript';
import { givenParts, partsBlock, resultImages } from './attachments';
import { guardBanner, guardChecks } from './guardView';
import { ui } from './viewState';
import type { ModelTry } from '../engine/models/modelRunner';

function jsonTree(value: unknown, depth = 0): HTMLElement {
  if (value === null || typeof value !== 'object') {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (typeof value === 'string' && (value.length > 240 || value.includes('\n'))) {
      const d = el('details', { class: 'long-text' });
      d.append(el('summary', {}, `${JSON.stringify(value.slice(0, 80))}… (${value.length} characters)`), el('pre', {}, value));
      return d;
    }
    return el('span', { class: `json-${value === null ? 'null' : typeof value}` }, typeof value === 'string' ? JSON.stringify(text) : text);
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
  const d = el('details', { class: 'json' });
  if (depth < 2) d.open = true;
  d.append(el('summary', {}, Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`));
  const list = el('div', { class: 'json-children' });
  for (const [k, v] of entries.slice(0, 200)) {
    const row = el('div', { class: 'json-row' });
    row.append(el('span', { class: 'json-key' }, `${k}: `), jsonTree(v, depth + 1));
    list.append(row);
  }
  if (entries.length > 200) list.append(el('div', { class: 'json-more' }, `… ${entries.length - 200} more`));
  d.append(list);
  return d;
}

function section(name: string, body: HTMLElement | string): HTMLElement {
  const s = el('section', { 'data-section': name });
  s.append(el('h3', {}, name), typeof body === 'string' ? el('div', {}, body) : body);
  return s;
}

const OUTCOME_WORDS: Record<ModelTry['outcome'], string> = { answered: 'answered', 'passed-over': 'passed over', failed: 'failed' };

/** A fallback chain in the order its models were asked: which answered, and why each before it did not. */
function modelsTried(tried: ModelTry[]): HTMLElement {
  const list = el('ol', { class: 'models-tried', 'data-testid': 'models-tried' });
  for (const t of tried) {
    const why = t.outcome === 'answered' ? '' : ` (${t.reason ?? t.error ?? 'no reason given'})`;
    const cost = t.tokens_in || t.tokens_out ? ` · ${t.tokens_in} in / ${t.tokens_out} out tokens` : '';
    const li = el('li', { 'data-outcome': t.outcome, 'data-model': t.model });
    li.append(el('strong', {}, t.model), document.createTextNode(`: ${OUTCOME_WORDS[t.outcome]}${why}${cost}`));
    list.append(li);
  }
  return list;
}

/** Shows the selected step (nothing when none is, or it is not drawn); onClose is what its close button does. */
export function renderPanel(onClose: () => void): void {
  const id = ui.saved.selected;
  // no step to show and none shown: nothing to draw (reading the scroll below would make the browser
  // lay the page out at once, in the middle of the frame that patched the graph)
  if ((!id || !ui.nodeEls.has(id)) && !panel.firstChild) {
    main.classList.remove('with-panel');
    return;
  }
  // drawn again as events arrive: the element with focus and the scroll stay where they were
  const focused = (document.activeElement as HTMLElement | null)?.closest?.('[data-focus]')?.getAttribute('data-focus') ?? null;
  const scrolled = panel.scrollTop;
  panel.replaceChildren();
  try {
    fillPanel(id, onClose);
  } finally {
    panel.scrollTop = scrolled;
    if (focused && panel.contains(document.activeElement) === false) {
      for (const e of panel.querySelectorAll<HTMLElement>('[data-focus]')) if (e.getAttribute('data-focus') === focused) e.focus({ preventScroll: true });
    }
  }
}

function fillPanel(id: string | null, onClose: () => void): void {
  const open = Boolean(id && ui.nodeEls.has(id));
  main.classList.toggle('with-panel', open);
  if (!id || !open) return;
  const close = el('button', { class: 'close', title: 'Close the step panel', 'data-testid': 'close-panel' }, '×');
  close.addEventListener('click', onClose);
  panel.append(close);
  const s = ui.saved.run.steps[id];
  const node = ui.layout?.nodes.find((n) => n.id === id);
  panel.append(el('h2', {}, id));
  if (node) panel.append(el('div', { class: 'muted' }, node.label !== id ? `${node.label} · ${node.detail}` : node.detail));
  const r = s?.result ?? null;
  const statusLine = el('div', { class: 'status-line', 'data-status': s?.status ?? 'pending' }, s?.status ?? 'pending');
  panel.append(statusLine);
  // a blocked answer is shown as blocked (the guard and why), a redacted one as redacted
  const banner = guardBanner(s);
  if (banner) panel.append(banner);
  // the document's errors in this step (the pipeline does not run until they are fixed)
  const problems = nodeErrors(id);
  if (problems) {
    const list = el('ul', { class: 'problems', 'data-testid': 'step-problems' });
    for (const line of errorLines(problems)) list.append(el('li', {}, line));
    panel.append(section(problems.length === 1 ? 'Problem' : 'Problems', list));
  }
  const facts: string[] = [];
  if (r?.duration_ms != null) facts.push(`duration ${formatDuration(r.duration_ms)}`);
  if (r && r.attempts > 1) facts.push(`${r.attempts} attempts`);
  if (r?.model) facts.push(`model ${r.model}`);
  if (r && (r.tokens_in || r.tokens_out)) facts.push(`${r.tokens_in} in / ${r.tokens_out} out tokens`);
  if (r && r.cost_usd) facts.push(formatCost(r.cost_usd));
  if (r?.cached) facts.push('from the cache');
  if (r?.skip_reason) facts.push(r.skip_reason);
  if (facts.length) panel.append(el('div', { class: 'facts', 'data-testid': 'step-facts' }, facts.join(' · ')));
  const tried = r?.models_tried;
  if (tried?.length && (tried.length > 1 || tried[0].outcome !== 'answered')) panel.append(section('Models', modelsTried(tried)));
  if (r?.error) {
    const err = el('div', { class: 'error', 'data-testid': 'step-error' });
    err.append(el('strong', {}, r.error_type ?? 'Error'), document.createTextNode(`: ${r.error}`));
    panel.append(section('Error', err));
  }
  const checks = guardChecks(s);
  if (checks) panel.append(section('Guardrails', checks));
  if (s?.inputs && Object.keys(s.inputs).length) panel.append(section('Inputs', jsonTree(s.inputs)));
  const agent = s?.agent ?? null;
  // images, files and audio given to the model: in the conversation an agent's, beside the inputs another step's
  const given = givenParts(s?.inputs);
  const givenBlock = given.length ? partsBlock(given, 'given-parts') : null;
  if (agent) panel.append(section('Conversation', transcript(id, agent, s?.status === 'running' || s?.status === 'retrying', givenBlock)));
  else if (givenBlock) panel.append(section('Given to the model', givenBlock));
  // an agent's record is long (its transcript is drawn above): only its first level open
  if (r && r.result !== null && r.result !== undefined) panel.append(section('Result', jsonTree(r.result, agent ? 1 : 0)));
  // the images its result names (a screenshot, a chart), shown (an agent's calls are in its transcript)
  const images = agent ? [] : resultImages(r?.result);
  if (images.length) panel.append(section(images.length === 1 ? 'Image' : 'Images', partsBlock(images, 'result-images')));
  if (r?.vars) panel.append(section('Vars', jsonTree(r.vars)));
  // an agent's text is in its turns above
  if (s?.text && !agent) panel.append(section('Output', el('pre', { class: 'stream', 'data-testid': 'step-output' }, s.text)));
  if (s?.attempts.length) {
    const list = el('ol', { class: 'attempts' });
    for (const a of s.attempts) list.append(el('li', {}, `attempt ${a.attempt}: ${a.errorType}: ${a.error}${a.retryInMs !== null ? ` — retried after ${formatDuration(a.retryInMs)}` : ''}`));
    panel.append(section('Attempts', list));
  }
  if (s && (s.iterationsStarted || r?.iterations)) panel.append(section('Iterations', `${r?.iterations?.length ?? s.iterationsStarted} iteration(s)${s.iterationsEnded ? `, ${s.iterationsEnded} body step run(s) ended` : ''}`));
}
