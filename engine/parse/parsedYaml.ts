// A parsed YAML document: its text, lines, plain value, findings and the spans of its values.
import type { Document } from 'yaml';
import type { Finding } from '../spec/types';
import type { LineIndex } from './lineIndex';
import type { NodeSpan } from './nodeSpan';

export interface ParsedYaml {
  text: string;
  lines: LineIndex;
  /** The plain JS value of the document; undefined when the YAML could not be read at all. */
  value: unknown;
  findings: Finding[];
  /** Source spans of the value tree; null for an empty document. */
  spans: NodeSpan | null;
  /** The whole parsed document, for CST-aware consumers (formatting); parsed again on first use. */
  readonly document: Document;
}
