// The open documents and the analysis of each, computed once per version and shared by every feature.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis, type AnalyzeOptions } from '../engine/analyze/index';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRunsRoot } from '../engine/run/runsRoot';
import { normalizePipeline } from '../engine/analyze/normalize';
import { parseYaml, readBySections } from '../engine/parse/yamlDocument';
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
  /** `kept`: whether the analysis kept its per-step results (see `prime`); `options`: what it was made with. */
  private readonly byUri = new Map<string, { version: number; analysis: Analysis; options: AnalyzeOptions; kept: boolean }>();

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
    // opening a long document, and only an edit reads them; the server has them kept (`prime`)
    // shortly after the open's diagnostics, else the first edit checks every step and keeps them
    const kept = hit !== undefined;
    const { analysis, options } = this.analyzeNow(doc.uri, doc.getText(), kept);
    this.byUri.set(doc.uri, { version: doc.version, analysis, options, kept });
    return analysis;
  }

  /** Whether the document's analysis is one that kept no per-step results (its open's) and would
   * have kept some: a document read by sections (one the section reader declines, parsed whole,
   * keeps none in any analysis). */
  unprimed(doc: TextDocument): boolean {
    const hit = this.byUri.get(doc.uri);
    return !!hit && hit.version === doc.version && !hit.kept && readBySections(hit.analysis.parsed);
  }

  /**
   * Keeps the per-step results of a document whose open kept none, so that its first edit checks
   * only the steps it can affect: the same analysis once more, keeping them, which takes the
   * place of the open's (it reports the same). Returns whether it ran.
   */
  prime(doc: TextDocument): boolean {
    if (!this.unprimed(doc)) return false;
    const hit = this.byUri.get(doc.uri)!;
    const analysis = analyze(doc.getText(), { ...hit.options, keepStepResults: true });
    const tools = MCP_TOOLS.get(hit.analysis);
    if (tools) MCP_TOOLS.set(analysis, tools);
    hit.analysis = analysis;
    hit.kept = true;
    return true;
  }

  /** Analyzes at once with the MCP listings in the cache; servers not listed yet are listed in the background. */
  private analyzeNow(uri: string, text: string, keepStepResults: boolean): { analysis: Analysis; options: AnalyzeOptions } {
    // a saved document's own file: its agents' `pipeline: FILE` entries are read beside it; and the
    // document's sections are kept for its next version, whatever other documents are parsed between
    const file = uri.startsWith('file:') ? { pipelineFile: fileURLToPath(uri), sectionOwner: uri } : { sectionOwner: uri };
    const made = (options: AnalyzeOptions) => ({ analysis: analyze(text, { ...options, ...file }), options: { ...options, ...file } });
    // both patterns of callsMcp name `mcp:`: a text without it (most) is not scanned by them at each keystroke
    if (!text.includes('mcp:') || !callsMcp(text)) return made({ mcp: mcpInfoUnlisted().mcp, keepStepResults });
    const place = mcpPlace(uri);
    const pipeline = normalizePipeline(parseYaml(text, uri).value, null);
    if (!place) {
      const info = mcpInfoUnlisted().mcp;
      return made({ keepStepResults, mcp: { ...info, status: Object.fromEntries((pipeline ? Object.keys(pipeline.mcpServers) : []).map((s) => [s, { listed: false as const, reason: 'the document is not saved in a folder', failed: false }])) } });
    }
    const known = mcpOptionsCached(pipeline, place);
    const trusted = this.mayStartServers();
    if (!trusted) for (const s of known.unlisted) known.mcp.status[s] = { listed: false, reason: "not listed: the editor starts MCP servers only in a trusted workspace; 'orc validate' lists them", failed: false };
    const { analysis, options } = made({ tools: known.tools, mcp: known.mcp, keepStepResults });
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
    return { analysis, options };
  }

  /** The document was closed: its analysis and the sections its parses kept go. */
  delete(uri: string): void {
    this.byUri.delete(uri);
    forgetDocumentSections(uri);
  }
}
