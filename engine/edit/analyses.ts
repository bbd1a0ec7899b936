// The analyses a graph editor keeps between gestures: the text a gesture started from and the text it
// made (which the edit analyzed anyway, to refuse a broken result). The next gesture on either text
// (another gesture, or one after Ctrl+Z back) starts from its analysis instead of analyzing the same
// text again: each text is analyzed once on the gesture's path.
import { analyze, type Analysis } from '../analyze/index';

export class EditAnalyses {
  private kept: { text: string; analysis: Analysis }[] = [];

  /** `size`: how many texts are kept (the last ones used). */
  constructor(private readonly size = 2) {}

  /** The analysis of `text`: the one kept, else made now (and kept). */
  of(text: string): Analysis {
    const hit = this.kept.find((k) => k.text === text);
    if (hit) {
      this.keep(text, hit.analysis);
      return hit.analysis;
    }
    const analysis = analyze(text);
    this.keep(text, analysis);
    return analysis;
  }

  /** Keeps an analysis made elsewhere (an edit's of the text it made), the newest first. */
  keep(text: string, analysis: Analysis): void {
    this.kept = [{ text, analysis }, ...this.kept.filter((k) => k.text !== text)].slice(0, this.size);
  }

  clear(): void {
    this.kept = [];
  }
}
