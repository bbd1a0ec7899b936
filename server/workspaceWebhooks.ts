// Webhook names across the pipelines served together: `orc serve` serves every pipeline under its
// root, and `POST /hooks/NAME` can start only one of them, so a name that another pipeline file
// under the same root declares is an error in both files. The root of a document is the workspace
// folder that holds it (else the folder of its `.orchestrator/`, else its own folder).
//
// The files under a root are found as `orc mcp` and `orc serve` find them (bounded: 5,000 YAML
// files, 12 folders deep) once, in the background after the first document with a webhook is
// published there, and kept as an index of names by file; a file the client reports changed on
// disk (or a document closed) is read again alone. A keystroke then costs a lookup per name it
// declares. An open document counts with its text in the editor.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../engine/analyze/index';
import { webhookClashes, webhookNames, type WebhookUse } from '../engine/analyze/triggerCheck';
import { findPipelineFiles, isPipelineFile } from '../engine/api/mcpWorkspace';
import { parseYaml } from '../engine/parse/yamlDocument';
import { findRunsRoot } from '../engine/run/runsRoot';
import type { Finding } from '../engine/spec/types';
import { withoutBom } from '../engine/util/text';

/** How many files the background reading of a root reads between two turns of the event loop. */
const READ_BATCH = 50;
/** A larger file is not read for webhook names (as `orc mcp` reads no larger pipeline). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** Where the open documents are, and their analyses (the server's cache). */
export interface OpenDocuments {
  all(): TextDocument[];
  analysis(doc: TextDocument): Analysis;
}

/** The webhook names of the pipeline files under one root, as saved. */
class RootIndex {
  private readonly byFile = new Map<string, string[]>();
  private readonly byName = new Map<string, Map<string, WebhookUse[]>>();

  constructor(readonly root: string) {}

  holds(file: string): boolean {
    return file.startsWith(this.root + path.sep);
  }

  /** The files other than `except` that declare `name`, and where. */
  uses(name: string, except: Set<string>): WebhookUse[] {
    const out: WebhookUse[] = [];
    for (const [file, uses] of this.byName.get(name) ?? []) if (!except.has(file)) out.push(...uses);
    return out;
  }

  /** Reads a file again (it is gone, or not a pipeline: it declares nothing). */
  read(file: string): void {
    for (const name of this.byFile.get(file) ?? []) this.byName.get(name)?.delete(file);
    this.byFile.delete(file);
    const found = namesInFile(file);
    if (!found.size) return;
    this.byFile.set(file, [...found.keys()]);
    for (const [name, uses] of found) {
      let files = this.byName.get(name);
      if (!files) this.byName.set(name, (files = new Map()));
      files.set(file, uses);
    }
  }
}

/** The webhook names a saved pipeline file declares, with where each is written. */
function namesInFile(file: string): Map<string, WebhookUse[]> {
  const out = new Map<string, WebhookUse[]>();
  try {
    if (statSync(file).size > MAX_FILE_BYTES || !isPipelineFile(file)) return out;
    const text = withoutBom(readFileSync(file, 'utf8'));
    if (!text.includes('webhook')) return out;
    const parsed = parseYaml(text);
    for (const w of webhookNames(parsed.value, { parsed })) out.set(w.name, [...(out.get(w.name) ?? []), { file, range: w.range }]);
  } catch {
    // gone or unreadable: no names
  }
  return out;
}

export class WorkspaceWebhooks {
  private readonly indexes = new Map<string, RootIndex>();
  private readonly building = new Set<string>();
  /** The names each open document declared when its diagnostics were last published. */
  private readonly published = new Map<string, string>();

  /** `indexed`: a root's files were read (in the background): the open documents with webhooks are to be checked again. */
  constructor(
    private readonly roots: () => string[],
    private readonly open: OpenDocuments,
    private readonly indexed: () => void = () => undefined,
  ) {}

  /** The findings on the document's webhooks that another pipeline under its root declares too. */
  findings(doc: TextDocument, analysis: Analysis): Finding[] {
    const own = webhookNames(analysis.parsed.value, analysis);
    if (!own.length || !doc.uri.startsWith('file:')) return [];
    const file = fileURLToPath(doc.uri);
    const root = this.rootOf(file);
    const index = this.indexOf(root);
    const others = new Map<string, WebhookUse[]>();
    const add = (name: string, uses: WebhookUse[]) => uses.length && others.set(name, [...(others.get(name) ?? []), ...uses]);
    // the open documents under the root, as they are in the editor
    const opened = new Set<string>([file]);
    const wanted = new Set(own.map((w) => w.name));
    for (const d of this.open.all()) {
      if (!d.uri.startsWith('file:') || d.uri === doc.uri) continue;
      const f = fileURLToPath(d.uri);
      if (!f.startsWith(root + path.sep)) continue;
      opened.add(f);
      const a = this.open.analysis(d);
      for (const w of webhookNames(a.parsed.value, a)) if (wanted.has(w.name)) add(w.name, [{ file: f, range: w.range }]);
    }
    // the others as saved
    if (index) for (const name of wanted) add(name, index.uses(name, opened));
    return webhookClashes(own, others, (f) => path.relative(root, f) || f);
  }

  /**
   * Called with each published document (null: closed): whether the webhook names it declares
   * changed since its last publication (then the other open documents with webhooks are checked again).
   */
  changed(uri: string, analysis: Analysis | null): boolean {
    const names = analysis ? webhookNames(analysis.parsed.value, analysis).map((w) => w.name).sort().join('\n') : '';
    const before = this.published.get(uri) ?? '';
    if (analysis) this.published.set(uri, names);
    else {
      this.published.delete(uri);
      // closed: it counts as saved from now on
      if (uri.startsWith('file:')) this.filesChanged([uri]);
    }
    return names !== before;
  }

  /** The open documents other than `uri` that declare a webhook (their diagnostics may change). */
  othersWithWebhooks(uri: string): string[] {
    return [...this.published].filter(([u, names]) => u !== uri && names !== '').map(([u]) => u);
  }

  /** Files changed on disk (created, changed, deleted): each is read again in the indexes that hold it. */
  filesChanged(uris: string[]): void {
    for (const uri of uris) {
      if (!uri.startsWith('file:') || !/\.ya?ml$/i.test(uri)) continue;
      const file = fileURLToPath(uri);
      for (const index of this.indexes.values()) if (index.holds(file)) index.read(file);
    }
  }

  private rootOf(file: string): string {
    const folders = this.roots().filter((r) => file.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    if (folders.length) return folders.sort((a, b) => b.length - a.length)[0];
    const dir = path.dirname(file);
    return findRunsRoot(dir) ?? dir;
  }

  /** The root's index; none yet the first time: it is built in the background, then `indexed` is called. */
  private indexOf(root: string): RootIndex | undefined {
    const index = this.indexes.get(root);
    if (index || this.building.has(root)) return index;
    this.building.add(root);
    setImmediate(() => {
      const built = new RootIndex(root);
      const files = findPipelineFiles(root);
      // read a few files at a time, so that a keystroke's diagnostics wait for one batch at most
      const batch = (from: number) => {
        for (let k = from; k < Math.min(from + READ_BATCH, files.length); k++) built.read(files[k]);
        if (from + READ_BATCH < files.length) return void setImmediate(() => batch(from + READ_BATCH));
        this.indexes.set(root, built);
        this.building.delete(root);
        this.indexed();
      };
      batch(0);
    });
    return undefined;
  }
}
