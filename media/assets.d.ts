// esbuild bundles the panel's stylesheet from its import into dist/webview.css.
declare module '*.css';
