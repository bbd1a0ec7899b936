// The open documents and the analysis of each, computed once per version and shared by every feature.
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis } from '../engine/analyze/index';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRunsRoot } from '../engine/cli/workspaceRoot';
import { normalizePipeline } from '../engine/analyze/normalize';
import { parseYaml } from '../engine/parse/yamlDocument';
import { MCP_ACTION } from '../engine/mcp/catalog';
import { parseMcpTool } from '../engine/mcp/names';
import { callsMcp, mcpInfoUnlisted, mcpOptionsCached, prepareMcp } from '../engine/mcp/prepare';
import { actionSpec, TOOL_SPECS, type ActionSpec, type ToolSpec } from '../engine/tools/specs';

/** The listed MCP tools each analysis was made with (completion and hover read them). */
const MCP_TOOLS = new WeakMap<Analysis, Record<string, ToolSpec>>();

/** The MCP tools (`mcp:<server>.<tool>`) an analysis knows. */
export function mcpToolsOf(a: Analysis): Record<string, ToolSpec> {
  return MCP_TOOLS.get(a) ?? {};
}

/** The action spec of a step's tool and action, an MCP tool's included (`action` absent or `call`). */
export function stepActionSpec(a: Analysis, tool: string | null, action: string | null): ActionSpec | undefined {
  if (parseMcpTool(tool)) {
    const t = mcpToolsOf(a)[tool!];
    return t && (action === null || action === MCP_ACTION) ? t.actions[MCP_ACTION] : undefined;
  }
  return action ? actionSpec(TOOL_SPECS, tool, action) : undefined;
}

/** Where a document's MCP servers start and their listings are cached: its `.orchestrator/` folder's, else its own folder. */
function mcpPlace(uri: string): { workspace: string; cwd: string } | null {
  if (!uri.startsWith('file:')) return null;
  const dir = path.dirname(fileURLToPath(uri));
  const root = findRunsRoot(dir) ?? dir;
  return { workspace: root, cwd: root };
}

/**
 * How open documents are created and changed. A change whose version is not newer than the
 * document's (a late or repeated `didChange`) is ignored: applying it would put old text over new
 * and publish diagnostics of the past after those of the present.
 */
export const VERSIONED_DOCUMENTS = {
  create: TextDocument.create,
  update(doc: TextDocument, changes: TextDocumentContentChangeEvent[], version: number): TextDocument {
    if (version <= doc.version) return doc;
    return TextDocument.update(doc, changes, version);
  },
};

export class AnalysisCache {
  private readonly byUri = new Map<string, { version: number; analysis: Analysis }>();

  /**
   * `onMcpListed(uri)`: the tools of MCP servers a document calls were listed in the background; its
   * analysis is renewed on the next `get`. `mayStartServers`: listing starts the servers' commands, so
   * only in a trusted workspace (the client says so); otherwise only cached listings are used.
   */
  constructor(
    private readonly onMcpListed?: (uri: string) => void,
    private readonly mayStartServers: () => boolean = () => false,
  ) {}

  get(doc: TextDocument): Analysis {
    const hit = this.byUri.get(doc.uri);
    if (hit && hit.version === doc.version) return hit.analysis;
    // a document's first analysis (its open) keeps no per-step results: they cost a seventh of
    // opening a long document, and only an edit reads them; the first edit checks every step and
    // keeps them for the edits after it
    const analysis = this.analyzeNow(doc.uri, doc.getText(), hit !== undefined);
    this.byUri.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  }

  /** Analyzes at once with the MCP listings in the cache; servers not listed yet are listed in the background. */
  private analyzeNow(uri: string, text: string, keepStepResults: boolean): Analysis {
    if (!callsMcp(text)) return analyze(text, { mcp: mcpInfoUnlisted().mcp, keepStepResults });
    const place = mcpPlace(uri);
    const pipeline = normalizePipeline(parseYaml(text).value, null);
    if (!place) {
      const info = mcpInfoUnlisted().mcp;
      return analyze(text, { keepStepResults, mcp: { ...info, status: Object.fromEntries((pipeline ? Object.keys(pipeline.mcpServers) : []).map((s) => [s, { listed: false as const, reason: 'the document is not saved in a folder', failed: false }])) } });
    }
    const known = mcpOptionsCached(pipeline, place);
    const trusted = this.mayStartServers();
    if (!trusted) for (const s of known.unlisted) known.mcp.status[s] = { listed: false, reason: "not listed: the editor starts MCP servers only in a trusted workspace; 'orc validate' lists them", failed: false };
    const analysis = analyze(text, { tools: known.tools, mcp: known.mcp, keepStepResults });
    MCP_TOOLS.set(analysis, known.tools);
    if (known.unlisted.length && trusted && this.onMcpListed) {
      const notify = this.onMcpListed;
      void prepareMcp(pipeline, place).then(
        () => {
          this.byUri.delete(uri);
          notify(uri);
        },
        () => undefined,
      );
    }
    return analysis;
  }

  delete(uri: string): void {
    this.byUri.delete(uri);
  }
}
