// The references of simple templates read without a syntax tree must be exactly the parser's
// wherever they are read, and the reading must decline otherwise. Held to it on every template of
// the examples and conformance pipelines, of fuzz mutations, on thousands of character-level
// mutations of those templates, and on edge cases.
import { strict as assert } from 'node:assert';
import { simpleTemplateReferences } from '../../../engine/template/simpleReferences';
import { collectReferences } from '../../../engine/template/references';
import { hasTemplateSyntax, parseTemplate } from '../../../engine/template/parser';
import { parseWhole } from '../../../engine/parse/yamlDocument';
import { generatePipeline } from '../../../bench/generatePipeline';
import { mutatedDocuments, rng, seedDocuments } from '../../helpers/fuzzCorpus';

function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

function templatesOf(text: string): string[] {
  return strings(parseWhole(text).value).filter(hasTemplateSyntax);
}

/** True when read without the parser; then it must equal the parser's reading. */
function agree(source: string): boolean {
  const fast = simpleTemplateReferences(source);
  if (!fast) return false;
  let full;
  try {
    full = collectReferences(parseTemplate(source));
  } catch (e) {
    assert.fail(`read ${JSON.stringify(source)} although the parser refuses it: ${(e as Error).message}`);
  }
  assert.deepEqual(fast, full, `references differ for ${JSON.stringify(source)}`);
  return true;
}

describe('simple templates read without the parser', () => {
  it('reads the templates of a generated pipeline that are simple, exactly as the parser does', () => {
    const all = templatesOf(generatePipeline(60));
    const read = all.filter(agree);
    // the prompts with `{{ count * 2 }}` (one step in three) included
    assert.equal(read.length, all.length);
  });

  it('on the templates of the examples, conformance pipelines and 1,000 fuzz mutations', function () {
    // 13-16 s of parsing alone on a 2-core machine (the parser's reading of every template is the
    // reference): 20 s was a timeout a busy CI machine ran past
    this.timeout(60_000);
    let read = 0;
    for (const d of [...seedDocuments(), ...mutatedDocuments(1000, 3)]) for (const t of templatesOf(d.text)) if (agree(t)) read++;
    assert.ok(read > 100, `read only ${read} templates`);
  });

  it('on 20,000 character-level mutations of those templates', () => {
    const seeds = [...new Set(seedDocuments().flatMap((d) => templatesOf(d.text)))];
    const r = rng(7);
    const pieces = [' ', '*', '**', '/', '//', '~', '5', '|', '.', '(', ')', "'", '"', '-', '+', '{', '}', '{{', '}}', '%', '#', '\\', ',', '=', '[', ']', '0', 'x', 'if', 'is', 'not', 'default', '\n', '\u00a0'];
    let read = 0;
    for (let k = 0; k < 20_000; k++) {
      let t = seeds[Math.floor(r() * seeds.length)];
      for (let m = 0; m < 1 + Math.floor(r() * 3); m++) {
        const i = Math.floor(r() * (t.length + 1));
        t = r() < 0.3 ? t.slice(0, i) + t.slice(i + 1) : t.slice(0, i) + pieces[Math.floor(r() * pieces.length)] + t.slice(i);
      }
      if (agree(t)) read++;
    }
    assert.ok(read > 2000, `read only ${read} mutated templates`);
  });

  it('on edge cases: read exactly, or declined', () => {
    // read without the parser, with exactly the parser's references
    const read = [
      '{{ a }}',
      '{{a}}',
      '{{ a.b.c }} and {{ d }}',
      '{{ $item }}',
      '{{\n a \n}}',
      '{{ a | upper }}',
      '{{ a|upper|lower }}',
      "{{ a.b | default('') }}",
      '{{ a | d("x") | upper }}',
      '{{ a | upper() }}',
      '{{ a | default }}',
      "{{ a | default('}}') }}",
      'x { y } {{ a }} }}',
      '{{ count * 2 }}',
      '{{ 2*count }}',
      '{{ a + b.c | upper - 3 }}',
      "{{ a | default('1') * b ** 2 // c % d ~ e / f }}",
      '{{ a - 1 }}',
      '{{ a -1 }}',
      '{{ 2 }}',
      '{{ 2 | string }}',
    ];
    // left to the parser
    const declined = [
      "{{ a | replace('x', 'y') }}",
      "{{ a | default('\\n') }}",
      '{{ a . b }}',
      '{{ a.0 }}',
      '{{ a[0] }}',
      '{{ a() }}',
      '{{ true }}',
      '{{ none.x }}',
      '{{ not a }}',
      '{{ if }}',
      '{{ a if b }}',
      '{{ a is defined }}',
      '{{- a }}',
      '{{ a -}}',
      '{{+ a }}',
      '{% if a %}x{% endif %}',
      '{# c #}{{ a }}',
      '{{ a }}{{',
      '{{ a',
      '{{ }}',
      '{{ a\u00a0}}',
      '{{{ a }}}',
      '{{ a | f(x=1) }}',
      '{{ a | f(1) }}',
      "{{ a | f('a' 'b') }}",
      '{{ a -}}',
      '{{ a - }}',
      '{{ a * -2 }}',
      '{{ a * 2.5 }}',
      '{{ a * 2e3 }}',
      '{{ a * 1_000 }}',
      '{{ a * 2x }}',
      '{{ a == 2 }}',
      '{{ a * not b }}',
      '{{ a *** b }}',
    ];
    assert.deepEqual(read.filter((t) => !agree(t)), [], 'declined, though simple');
    assert.deepEqual(declined.filter(agree), [], 'read, though not simple');
  });
});
