// The panel's insights, under the graph: what a run is predicted to take before it starts, where a
// finished run's time went (a timeline with the critical path marked, and the report's
// suggestions), and the pipeline's intention and architecture with the contradictions found in
// them, each linking to its step. DOM only; the host sends the figures (media/protocol.ts).
import type { ExplanationMessage, PredictionMessage, ReportMessage } from './protocol';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

const secs = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const usd = (x: number) => (x === 0 ? '$0' : `$${x.toFixed(x < 0.01 ? 6 : 4)}`);
const range = (r: { expected: number; low: number; high: number }, f: (x: number) => string) => (f(r.low) === f(r.high) ? f(r.expected) : `${f(r.expected)} (${f(r.low)}–${f(r.high)})`);

export class Insights {
  readonly element = el('section', { class: 'insights', 'data-testid': 'insights' });
  private readonly prediction = el('details', { 'data-testid': 'prediction', hidden: '' });
  private readonly timeline = el('details', { 'data-testid': 'timeline', hidden: '' });
  private readonly explanation = el('details', { 'data-testid': 'explanation', hidden: '' });

  constructor(private readonly reveal: (stepId: string) => void) {
    this.element.append(this.prediction, this.timeline, this.explanation);
    this.element.addEventListener('click', (e) => {
      const id = (e.target as Element | null)?.closest?.('[data-step-id]')?.getAttribute('data-step-id');
      if (id) {
        e.preventDefault();
        this.reveal(id);
      }
    });
  }

  /** The critical path as the timeline draws it (for the host's `rendered` report). */
  criticalDrawn(): string[] {
    return [...this.timeline.querySelectorAll('.bar[data-critical="true"]')].map((b) => b.getAttribute('data-step-id') ?? '');
  }

  showPrediction(m: PredictionMessage): void {
    const p = m.prediction;
    this.prediction.replaceChildren();
    if (!p || p.steps.every((s) => s.source === 'unknown')) {
      this.prediction.hidden = true;
      return;
    }
    this.prediction.hidden = false;
    this.prediction.open = true;
    const known = p.unknown.length < p.steps.length;
    const runs = Math.max(0, ...p.steps.map((s) => s.samples));
    this.prediction.append(
      el('summary', {}, 'Prediction'),
      el('p', { 'data-testid': 'prediction-total' }, `${known ? `makespan ${range(p.makespan_ms, secs)}` : 'makespan unknown'} · cost ${range(p.cost_usd, usd)} · max_parallel ${p.max_parallel}${runs ? ` · from up to ${runs} earlier run${runs === 1 ? '' : 's'}` : ''}`),
    );
    if (p.unknown.length && known) this.prediction.append(el('p', { class: 'dim' }, `Not known until they have run: ${p.unknown.join(', ')}`));
  }

  showReport(m: ReportMessage): void {
    const r = m.report;
    this.timeline.replaceChildren();
    this.timeline.hidden = false;
    this.timeline.open = true;
    const total = Math.max(1, r.makespan_ms, ...r.timeline.map((b) => b.end_ms));
    this.timeline.append(el('summary', {}, `Timeline · ${secs(r.makespan_ms)} · critical path ${r.critical_path.map((s) => s.step).join(' → ') || '–'}`));
    const rows = el('div', { class: 'gantt' });
    for (const b of r.timeline) {
      const row = el('div', { class: 'gantt-row' });
      const label = el('a', { href: '#', class: 'gantt-label', 'data-step-id': b.step }, b.step);
      const track = el('div', { class: 'gantt-track' });
      const bar = el('div', { class: 'bar', 'data-step-id': b.step, 'data-critical': String(b.critical), 'data-status': b.status, title: `${b.step}: ${secs(b.end_ms - b.start_ms)}${b.queued_ms ? `, ${secs(b.queued_ms)} waiting for a slot` : ''}${b.critical ? ' — on the critical path' : ''}` });
      bar.style.left = `${(b.start_ms / total) * 100}%`;
      bar.style.width = `${Math.max(0.3, ((b.end_ms - b.start_ms) / total) * 100)}%`;
      if (b.queued_ms > 0) {
        const q = el('span', { class: 'queued' });
        q.style.width = `${Math.min(100, (b.queued_ms / Math.max(1, b.end_ms - b.start_ms)) * 100)}%`;
        bar.append(q);
      }
      track.append(bar);
      row.append(label, track, el('span', { class: 'gantt-time' }, secs(b.end_ms - b.start_ms)));
      rows.append(row);
    }
    this.timeline.append(rows);
    const par = r.parallelism;
    this.timeline.append(el('p', { class: 'dim' }, `at most ${par.peak} step${par.peak === 1 ? '' : 's'} at once (max_parallel ${par.max_parallel}), ${par.average} on average${r.retries.steps ? ` · ${r.retries.attempts_failed} failed attempt${r.retries.attempts_failed === 1 ? '' : 's'} cost ${secs(r.retries.retry_ms)}` : ''}`));
    if (r.suggestions.length) {
      const ul = el('ul', { 'data-testid': 'suggestions' });
      for (const s of r.suggestions) ul.append(el('li', {}, s));
      this.timeline.append(ul);
    }
  }

  showExplanation(m: ExplanationMessage): void {
    this.explanation.replaceChildren();
    this.explanation.hidden = false;
    this.explanation.open = true;
    this.explanation.append(
      el('summary', {}, `Intention and architecture · ${m.model}${m.cached ? ' (cached)' : ''}`),
      el('h3', {}, 'Intention'),
      el('p', { 'data-testid': 'intention' }, m.intention),
      el('h3', {}, 'Architecture'),
      el('p', { 'data-testid': 'architecture' }, m.architecture),
    );
    if (m.findings.length) {
      const ul = el('ul', { 'data-testid': 'contradictions' });
      for (const f of m.findings) {
        const li = el('li', { 'data-code': f.code });
        if (f.step) li.append(el('a', { href: '#', 'data-step-id': f.step }, f.step), document.createTextNode(': '));
        li.append(document.createTextNode(f.message));
        ul.append(li);
      }
      this.explanation.append(el('h3', {}, 'Contradictions'), ul);
    } else this.explanation.append(el('p', { class: 'dim' }, 'No contradiction between the summaries and the steps.'));
  }
}
