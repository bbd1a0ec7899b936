// #63 item 11 (left from round three): a `connect` through a YAML alias shared by two steps must not
// edit both. Round three refused the flow-list case (test/engine/edit/editYamlAliases.test.ts, through
// `orc edit`); these are the other shapes a shared value takes — a block list, a scalar, one item, a
// value anchored under `variables:`, a whole step merged into another — each refused with the anchor
// and its alias named, or edited in the one step asked when nothing is shared.
import { strict as assert } from 'node:assert';
import { editPipeline } from '../../../engine/api/index';

const G = (id: string, deps = '') => `  - id: ${id}\n    action: generate\n${deps}    parameters: {prompt: hi}\n`;
const HEAD = 'id: shared\nsteps:\n' + G('a') + G('x');
const shared = (anchorLine: number, aliasLines: string, name: string) =>
  `The edit would change the value anchored &${name} (line ${anchorLine}), which the alias *${name} also uses (${aliasLines}): every place would change. Write the value out where it should differ (unshare it) first, then edit`;
const alias = (aliasLine: number, name: string) => `The edit would change the alias *${name} (line ${aliasLine}), which stands for the value anchored &${name}: write the value out in its place (unshare it) first, then edit`;

const refusals: [string, string, string, string][] = [
  ['a block list', HEAD + G('b', '    dependencies: &deps\n      - a\n') + G('c', '    dependencies: *deps\n'), 'b', shared(11, 'line 16', 'deps')],
  ['a block list, at its alias', HEAD + G('b', '    dependencies: &deps\n      - a\n') + G('c', '    dependencies: *deps\n'), 'c', alias(16, 'deps')],
  ['a scalar', HEAD + G('b', '    dependencies: &dep a\n') + G('c', '    dependencies: *dep\n'), 'b', shared(11, 'line 15', 'dep')],
  ['one item of a list', HEAD + G('b', '    dependencies: [&one a]\n') + G('c', '    dependencies: [*one]\n'), 'c', alias(15, 'one')],
  ['three steps sharing one list', HEAD + G('b', '    dependencies: &deps [a]\n') + G('c', '    dependencies: *deps\n') + G('d', '    dependencies: *deps\n'), 'b', shared(11, 'line 15, line 19', 'deps')],
  ['a list anchored under variables', 'id: shared\nvariables:\n  deps: &deps [a]\nsteps:\n' + G('a') + G('x') + G('b', '    dependencies: *deps\n') + G('c', '    dependencies: *deps\n'), 'b', alias(13, 'deps')],
  ['a whole step merged into another', HEAD + '  - &b\n    id: b\n    action: generate\n    dependencies: [a]\n    parameters: {prompt: hi}\n  - <<: *b\n    id: c\n', 'b', shared(9, 'line 14', 'b')],
  ['a step whose dependencies come from a merge', HEAD + '  - &b\n    id: b\n    action: generate\n    dependencies: [a]\n    parameters: {prompt: hi}\n  - <<: *b\n    id: c\n', 'c', "'c' takes its dependencies from the merge <<: *b (line 14), which other mappings may share: write its dependencies out in the step (unshare them) first, then edit"],
];

describe('hardening #63: connect through a shared YAML value', () => {
  for (const [what, text, to, reason] of refusals) {
    it(`${what}: connect x -> ${to} is refused, naming the anchor and its alias`, () => {
      assert.deepEqual(editPipeline(text, { op: 'connect', from: 'x', to }), { ok: false, reason, findings: [] });
    });
  }

  it('a step merged from another, with dependencies of its own: only that step is edited', () => {
    const text = HEAD + '  - &b\n    id: b\n    action: generate\n    parameters: {prompt: hi}\n  - <<: *b\n    id: c\n    dependencies: [a]\n';
    const r = editPipeline(text, { op: 'connect', from: 'x', to: 'c' });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal((r as { text: string }).text, text.replace('    dependencies: [a]\n', '    dependencies: [a, x]\n'));
  });
});
