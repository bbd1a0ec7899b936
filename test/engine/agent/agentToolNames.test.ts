// Tool names on the wire (engine/agent/toolNames.ts): the allow-list's spellings mapped to names
// every provider takes (OpenAI and Anthropic: `^[a-zA-Z0-9_-]{1,64}$`; Gemini: a letter or `_`
// first), one table per agent, each wire name standing for exactly one spelling.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { MAX_WIRE_NAME, wireBase, WireNames } from '../../../engine/agent/toolNames';

/** What every provider takes. */
const VALID = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

const hash8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

describe('agent tool names: the wire form of a spelling', () => {
  it('maps an action, an MCP tool, a pipeline and an agent', () => {
    assert.equal(wireBase('filesystem.read'), 'filesystem_read');
    assert.equal(wireBase('mcp:files.list'), 'mcp__files__list');
    assert.equal(wireBase('mcp:files'), 'mcp__files');
    assert.equal(wireBase('pipeline:report'), 'pipeline__report');
    assert.equal(wireBase('agent:worker'), 'agent__worker');
  });

  it('keeps hyphens and underscores, replaces dots, colons, spaces and other characters', () => {
    assert.equal(wireBase('web-search.query_all'), 'web-search_query_all');
    assert.equal(wireBase('mcp:my-server.read-file'), 'mcp__my-server__read-file');
    assert.equal(wireBase('mcp:srv.a.b:c'), 'mcp__srv__a_b_c');
    assert.equal(wireBase('mcp:données.lire'), 'mcp__donn_es__lire');
    assert.equal(wireBase('tool.résumé'), 'tool_r_sum_');
    assert.equal(wireBase('sql.query plan'), 'sql_query_plan');
    // a character outside the basic plane is two UTF-16 units: two underscores
    assert.equal(wireBase('mcp:srv.🔍'), 'mcp__srv____');
  });

  it('starts with a letter or an underscore (Gemini wants one)', () => {
    assert.equal(wireBase('3d.render'), '_3d_render');
    assert.equal(wireBase('-x.y'), '_-x_y');
    assert.equal(wireBase('.hidden'), '_hidden');
    assert.equal(wireBase(''), '_');
  });

  it('shortens a name over 64 characters with a hash of the spelling, so two long names stay apart', () => {
    const a = `mcp:${'knowledge-base'.repeat(5)}.search_documents_by_title`;
    const b = `mcp:${'knowledge-base'.repeat(5)}.search_documents_by_author`;
    const wa = wireBase(a);
    const wb = wireBase(b);
    assert.equal(wa.length, MAX_WIRE_NAME);
    assert.equal(wa, `${`mcp__${'knowledge-base'.repeat(5)}`.slice(0, 55)}_${hash8(a)}`);
    assert.equal(wb, `${wa.slice(0, 55)}_${hash8(b)}`);
    assert.notEqual(wa, wb);
    assert.match(wa, VALID);
    // exactly 64 is kept whole
    const sixtyFour = `t.${'x'.repeat(62)}`;
    assert.equal(wireBase(sixtyFour), `t_${'x'.repeat(62)}`);
    assert.equal(wireBase(`${sixtyFour}y`).length, 64);
    assert.notEqual(wireBase(`${sixtyFour}y`), `t_${'x'.repeat(62)}`);
  });
});

describe("agent tool names: one agent's table", () => {
  it('gives a spelling the same name every time and maps it back', () => {
    const n = new WireNames();
    assert.equal(n.wire('filesystem.read'), 'filesystem_read');
    assert.equal(n.wire('mcp:files.list'), 'mcp__files__list');
    assert.equal(n.wire('filesystem.read'), 'filesystem_read');
    assert.equal(n.spelling('filesystem_read'), 'filesystem.read');
    assert.equal(n.spelling('mcp__files__list'), 'mcp:files.list');
    assert.equal(n.spelling('filesystem.read'), undefined);
    assert.equal(n.spelling('shell_exec'), undefined);
  });

  it('gives a name already taken _2, _3, in the order the spellings come', () => {
    const n = new WireNames();
    assert.equal(n.wire('a.b'), 'a_b');
    assert.equal(n.wire('a:b'), 'a_b_2');
    assert.equal(n.wire('a b'), 'a_b_3');
    assert.equal(n.wire('a_b'), 'a_b_4');
    // a spelling whose own form is a suffixed name already given
    assert.equal(n.wire('a.b.2'), 'a_b_2_2');
    assert.deepEqual(['a_b', 'a_b_2', 'a_b_3', 'a_b_4', 'a_b_2_2'].map((w) => n.spelling(w)), ['a.b', 'a:b', 'a b', 'a_b', 'a.b.2']);
  });

  it('keeps a suffixed long name within 64 characters', () => {
    const n = new WireNames();
    const base = `p_${'x'.repeat(62)}`;
    assert.equal(n.wire('pipeline:one', base), base);
    assert.equal(n.wire('pipeline:two', base), `${base.slice(0, 62)}_2`);
    assert.equal(n.wire('pipeline:three', base), `${base.slice(0, 62)}_3`);
    assert.equal(n.spelling(`${base.slice(0, 62)}_3`), 'pipeline:three');
  });

  it("never gives the name 'answer' (Anthropic's structured answer is a tool of that name)", () => {
    const n = new WireNames();
    assert.equal(n.wire('answer'), 'answer_');
    assert.equal(n.wire('answer_'), 'answer__2');
    assert.equal(n.wire('answer?'), 'answer__3');
    assert.equal(n.spelling('answer'), undefined);
    assert.equal(n.spelling('answer_'), 'answer');
    const m = new WireNames();
    assert.equal(m.wire('answer_'), 'answer_');
    assert.equal(m.wire('answer'), 'answer_2');
  });

  it('maps a few hundred generated spellings to valid, distinct names that map back', () => {
    // a fixed sequence: the same spellings every run
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = ['a', 'b', 'Z', 'q', '0', '7', '.', ':', '-', '_', ' ', 'é', 'ß', '中', '🔍', '/', '$'];
    const prefixes = ['', '', 'mcp:', 'mcp:srv.', 'pipeline:', 'agent:', 'answer', 'filesystem.'];
    const spellings = new Set<string>(['answer', 'answer_', 'filesystem.read', 'filesystem_read', 'mcp:files.list', 'mcp__files__list', '']);
    while (spellings.size < 400) {
      const len = rand(4) === 0 ? 60 + rand(50) : rand(12);
      let s = prefixes[rand(prefixes.length)];
      for (let i = 0; i < len; i++) s += alphabet[rand(alphabet.length)];
      spellings.add(s);
    }
    const n = new WireNames();
    const seen = new Map<string, string>();
    for (const s of spellings) {
      const w = n.wire(s);
      assert.match(w, VALID, JSON.stringify(s));
      assert.notEqual(w, 'answer');
      assert.ok(!seen.has(w), `${JSON.stringify(s)} and ${JSON.stringify(seen.get(w))} share ${w}`);
      seen.set(w, s);
    }
    for (const s of spellings) {
      assert.equal(n.spelling(n.wire(s)), s);
      assert.equal(n.wire(s), n.wire(s));
    }
    // long ones were there, and were shortened
    assert.ok([...seen.keys()].filter((w) => w.length === MAX_WIRE_NAME).length > 50);
    // collisions were there, and were told apart
    assert.ok([...seen.keys()].filter((w) => /_\d+$/.test(w) && seen.has(w.replace(/_\d+$/, ''))).length >= 1);
  });
});
