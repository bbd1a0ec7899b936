// Webhook names across the pipelines served together: `orc serve` serves every pipeline under its
// root, and `POST /hooks/NAME` can start only one of them, so a name that another pipeline file
// under the same root declares is an error in both files. The root of a document is the workspace
// folder that holds it (else the folder of its `.orchestrator/`, else its own folder); the files
// under it are found as `orc mcp` and `orc serve` find them, bounded, and each file's names are
// kept while its size and time are the same. An open document counts with its text in the editor.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../engine/analyze/index';
import { webhookClashes, webhookNames, type WebhookUse } from '../engine/analyze/triggerCheck';
import { findPipelineFiles } from '../engine/api/mcpWorkspace';
import { parseYaml } from '../engine/parse/yamlDocument';
import { findRunsRoot } from '../engine/run/runsRoot';
import type { Finding } from '../engine/spec/types';
import { withoutBom } from '../engine/util/text';

/** How long a root's list of files, and a file's size and time, are trusted before they are read again. */
export const FILES_FRESH_MS = 5000;
export const STAT_FRESH_MS = 1000;
/** A larger file is not read for webhook names (as `orc mcp` reads no larger pipeline). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

interface FileNames {
  size: number;
  mtimeMs: number;
  checkedAt: number;
  byName: Map<string, WebhookUse[]>;
}

/** Where the open documents are, and their analyses (the server's cache). */
export interface OpenDocuments {
  all(): TextDocument[];
  analysis(doc: TextDocument): Analysis;
}

export class WorkspaceWebhooks {
  private readonly lists = new Map<string, { files: string[]; at: number }>();
  private readonly files = new Map<string, FileNames>();
  /** The names each open document declared when its diagnostics were last published. */
  private readonly published = new Map<string, string>();

  constructor(
    private readonly roots: () => string[],
    private readonly open: OpenDocuments,
    private readonly now: () => number = Date.now,
  ) {}

  /** The findings on the document's webhooks that another pipeline under its root declares too. */
  findings(doc: TextDocument, analysis: Analysis): Finding[] {
    const own = webhookNames(analysis.parsed.value, analysis);
    if (!own.length || !doc.uri.startsWith('file:')) return [];
    const file = fileURLToPath(doc.uri);
    const root = this.rootOf(file);
    const others = new Map<string, WebhookUse[]>();
    const add = (name: string, use: WebhookUse) => others.set(name, [...(others.get(name) ?? []), use]);
    const openFiles = new Map<string, TextDocument>();
    for (const d of this.open.all()) if (d.uri.startsWith('file:')) openFiles.set(fileURLToPath(d.uri), d);
    const wanted = new Set(own.map((w) => w.name));
    for (const f of this.filesUnder(root, openFiles)) {
      if (f === file) continue;
      const d = openFiles.get(f);
      if (d) {
        for (const w of webhookNames(this.open.analysis(d).parsed.value, this.open.analysis(d))) if (wanted.has(w.name)) add(w.name, { file: f, range: w.range });
        continue;
      }
      for (const name of wanted) for (const use of this.namesOf(f).get(name) ?? []) add(name, use);
    }
    return webhookClashes(own, others, (f) => path.relative(root, f) || f);
  }

  /**
   * Called with each published document: whether the webhook names it declares changed since its
   * last publication (then the other open documents with webhooks are to be checked again).
   */
  changed(uri: string, analysis: Analysis | null): boolean {
    const names = analysis ? webhookNames(analysis.parsed.value, analysis).map((w) => w.name).sort().join('\n') : '';
    const before = this.published.get(uri) ?? '';
    if (analysis) this.published.set(uri, names);
    else this.published.delete(uri);
    return names !== before;
  }

  /** The open documents other than `uri` that declare a webhook (their diagnostics may change). */
  othersWithWebhooks(uri: string): string[] {
    return [...this.published].filter(([u, names]) => u !== uri && names !== '').map(([u]) => u);
  }

  /** Files changed on disk: the lists of files and the names read are read again when next needed. */
  forgetFiles(): void {
    this.lists.clear();
    this.files.clear();
  }

  private rootOf(file: string): string {
    const folders = this.roots().filter((r) => file === r || file.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    if (folders.length) return folders.sort((a, b) => b.length - a.length)[0];
    const dir = path.dirname(file);
    return findRunsRoot(dir) ?? dir;
  }

  /** The pipeline files under the root, the open ones included (a new file may not be saved as one yet). */
  private filesUnder(root: string, openFiles: Map<string, TextDocument>): string[] {
    let list = this.lists.get(root);
    if (!list || this.now() - list.at > FILES_FRESH_MS) {
      list = { files: findPipelineFiles(root), at: this.now() };
      this.lists.set(root, list);
    }
    const out = new Set(list.files);
    for (const f of openFiles.keys()) if (f.startsWith(root + path.sep) && /\.ya?ml$/i.test(f)) out.add(f);
    return [...out];
  }

  /** A closed file's webhook names, read again when its size or time changed. */
  private namesOf(file: string): Map<string, WebhookUse[]> {
    const kept = this.files.get(file);
    if (kept && this.now() - kept.checkedAt < STAT_FRESH_MS) return kept.byName;
    let size = -1;
    let mtimeMs = -1;
    try {
      const st = statSync(file);
      size = st.size;
      mtimeMs = st.mtimeMs;
    } catch {
      // gone: no names
    }
    if (kept && kept.size === size && kept.mtimeMs === mtimeMs) {
      kept.checkedAt = this.now();
      return kept.byName;
    }
    const byName = new Map<string, WebhookUse[]>();
    if (size >= 0 && size <= MAX_FILE_BYTES) {
      try {
        const text = withoutBom(readFileSync(file, 'utf8'));
        if (text.includes('webhook')) {
          const parsed = parseYaml(text);
          for (const w of webhookNames(parsed.value, { parsed })) byName.set(w.name, [...(byName.get(w.name) ?? []), { file, range: w.range }]);
        }
      } catch {
        // unreadable: no names
      }
    }
    this.files.set(file, { size, mtimeMs, checkedAt: this.now(), byName });
    return byName;
  }
}
