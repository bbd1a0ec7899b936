// An esbuild plugin for every Node bundle that holds the visualization tool (esbuild.mjs, and the
// activation bench's build of the extension as it was before the split). Vega reaches for the
// native `canvas` package through vega-canvas's Node build, with a top-level await the CommonJS
// bundles cannot hold. The tool draws SVG, which needs no canvas: the bundles take vega-canvas's
// browser build, which finds none.
export const noNodeCanvas = {
  name: 'no-node-canvas',
  setup(build) {
    build.onResolve({ filter: /^vega-canvas$/ }, () => ({ path: new URL('../node_modules/vega-canvas/build/vega-canvas.browser.js', import.meta.url).pathname }));
  },
};
