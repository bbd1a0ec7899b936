// Eval files (`NAME.eval.yaml`, language `orchestrator-eval`) in the language server: their analysis
// (engine/eval's analyzeEval, computed once per version), their diagnostics as the analysis places
// them, and their code lenses (Run Eval, Estimate, Run Variant). Completion and hover are in
// evalCompletion.ts and evalHover.ts.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocuments } from 'vscode-languageserver/node';
import { analyze, type Analysis } from '../engine/analyze/index';
import { analyzeEval, type EvalAnalysis } from '../engine/eval/evalAnalysis';
import { keyRange } from '../engine/parse/yamlDocument';
import { parseYaml } from '../engine/parse/yamlDocument';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { EVAL_COMMANDS } from './protocol';

export const EVAL_LANGUAGE_ID = 'orchestrator-eval';

/** Whether a document is an eval file: by its language, else by its name. */
export function isEvalDocument(doc: { uri: string; languageId: string }): boolean {
  return doc.languageId === EVAL_LANGUAGE_ID || (doc.languageId !== 'orchestrator-pipeline' && /\.eval\.ya?ml$/i.test(doc.uri));
}

/** An eval document's analysis with what completion and hover need of its pipeline. */
export interface EvalDocument {
  text: string;
  eval: EvalAnalysis;
  /** The pipeline's analysis: the eval's, else (half-typed eval) the file its `pipeline:` line names. */
  pipeline: Analysis | null;
  /** The pipeline file, absolute (null when unknown). */
  pipelineFile: string | null;
}

/** The `pipeline:` line of a text the eval analysis could not read whole. */
function pipelineOfText(text: string, file: string | null): string | null {
  const m = /^pipeline\s*:\s*["']?([^"'#\n]+?)["']?\s*(?:#.*)?$/m.exec(text);
  if (!m || !file) return null;
  return path.resolve(path.dirname(file), m[1]);
}

function analyzeFile(file: string): Analysis | null {
  try {
    if (!existsSync(file) || !statSync(file).isFile()) return null;
    return analyze(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch {
    return null;
  }
}

export class EvalCache {
  private readonly byUri = new Map<string, { version: number; doc: EvalDocument }>();

  get(doc: TextDocument): EvalDocument {
    const hit = this.byUri.get(doc.uri);
    if (hit && hit.version === doc.version) return hit.doc;
    const file = doc.uri.startsWith('file:') ? fileURLToPath(doc.uri) : null;
    const text = doc.getText();
    const e = analyzeEval(text, file);
    let pipeline = e.pipeline;
    let pipelineFile = e.eval?.pipeline || null;
    if (!pipeline) {
      pipelineFile = pipelineOfText(text, file);
      pipeline = pipelineFile ? analyzeFile(pipelineFile) : null;
    }
    const made: EvalDocument = { text, eval: e, pipeline, pipelineFile };
    this.byUri.set(doc.uri, { version: doc.version, doc: made });
    return made;
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
  }

  /** Forget every analysis (a pipeline file changed: the evals that name it say something else now). */
  clear(): void {
    this.byUri.clear();
  }
}

/** Run Eval, Estimate, Optimize Models… and Improve Prompts… on the first line; Run Variant on each variant's line. */
export function evalLenses(d: EvalDocument, uri: string): CodeLens[] {
  const spec = d.eval.eval;
  if (!spec) return [];
  const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lenses: CodeLens[] = [
    { range: top, command: { title: '▶ Run Eval', command: EVAL_COMMANDS.run, arguments: [uri] } },
    { range: top, command: { title: 'Estimate', command: EVAL_COMMANDS.estimate, arguments: [uri] } },
    { range: top, command: { title: 'Optimize Models…', command: EVAL_COMMANDS.optimize, arguments: [uri] } },
    { range: top, command: { title: 'Improve Prompts…', command: EVAL_COMMANDS.improve, arguments: [uri] } },
  ];
  const parsed = parseYaml(d.text);
  for (const v of spec.variants) {
    const range = keyRange(parsed, [...v.path, 'name']);
    lenses.push({ range, command: { title: `▶ Run Variant ${v.name}`, command: EVAL_COMMANDS.run, arguments: [uri, { variant: v.name }] } });
  }
  return lenses;
}

/** A pipeline or dataset an open eval names changed on disk: the open evals are checked again. */
export function registerEvalChecks(onWatchedFiles: (fn: (uris: string[]) => void) => void, documents: TextDocuments<TextDocument>, evals: EvalCache, publisher: { schedule(uri: string, delay: number): void }): void {
  onWatchedFiles((uris) => {
    if (!uris.some((u) => /\.(pipeline\.ya?ml|jsonl|csv|json)$/.test(u) && !u.endsWith('.auto.lock.json'))) return;
    evals.clear();
    for (const d of documents.all()) if (isEvalDocument(d)) publisher.schedule(d.uri, 0);
  });
}
