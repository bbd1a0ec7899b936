// The open documents and the analysis of each, computed once per version and shared by every feature.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis, type AnalyzeOptions } from '../engine/analyze/index';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRunsRoot } from '../engine/run/runsRoot';
import { normalizePipeline } from '../engine/analyze/normalize';
import { parseYaml } from '../engine/parse/yamlDocument';
import { forgetDocumentSections } from '../engine/parse/sectionCache';
import { MCP_ACTION } from '../engine/mcp/catalog';
import { parseMcpTool } from '../engine/mcp/names';
import { callsMcp, mcpInfoUnlisted, mcpOptionsCached, prepareMcp } from '../engine/run/mcpPrepare';
import { actionSpec, TOOL_SPECS, type ActionSpec, type ToolSpec } from '../engine/toolkit/toolSpecs';

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

  /**
   * The document's analysis, made once a version. Every analysis keeps its per-step results, the
   * open's included, so that the next edit re-checks only the steps it can affect: keeping them
   * costs an open 5-10 % (2,000 steps: 512 against 481 ms, medians of ten fresh servers), and an
   * edit made at once after the open then takes 133 ms rather than 317 checking every step. (Until
   * 2026-11-29 the open kept none and the same analysis ran again 300 ms after its diagnostics,
   * keeping them: every long document was analyzed twice when opened.)
   */
  get(doc: TextDocument): Analysis {
    const hit = this.byUri.get(doc.uri);
    if (hit && hit.version === doc.version) return hit.analysis;
    const analysis = this.analyzeNow(doc.uri, doc.getText());
    this.byUri.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  }

  /** Analyzes at once with the MCP listings in the cache; servers not listed yet are listed in the background. */
  private analyzeNow(uri: string, text: string): Analysis {
    // a saved document's own file: its agents' `pipeline: FILE` entries are read beside it; and the
    // document's sections are kept for its next version, whatever other documents are parsed between
    const file = uri.startsWith('file:') ? { pipelineFile: fileURLToPath(uri), sectionOwner: uri } : { sectionOwner: uri };
    const made = (options: AnalyzeOptions) => analyze(text, { ...options, ...file });
    // both patterns of callsMcp name `mcp:`: a text without it (most) is not scanned by them at each keystroke
    if (!text.includes('mcp:') || !callsMcp(text)) return made({ mcp: mcpInfoUnlisted().mcp });
    const place = mcpPlace(uri);
    const pipeline = normalizePipeline(parseYaml(text, uri).value, null);
    if (!place) {
      const info = mcpInfoUnlisted().mcp;
      return made({ mcp: { ...info, status: Object.fromEntries((pipeline ? Object.keys(pipeline.mcpServers) : []).map((s) => [s, { listed: false as const, reason: 'the document is not saved in a folder', failed: false }])) } });
    }
    const known = mcpOptionsCached(pipeline, place);
    const trusted = this.mayStartServers();
    if (!trusted) for (const s of known.unlisted) known.mcp.status[s] = { listed: false, reason: "not listed: the editor starts MCP servers only in a trusted workspace; 'orc validate' lists them", failed: false };
    const analysis = made({ tools: known.tools, mcp: known.mcp });
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

  /** The document was closed: its analysis and the sections its parses kept go. */
  delete(uri: string): void {
    this.byUri.delete(uri);
    forgetDocumentSections(uri);
  }
}
