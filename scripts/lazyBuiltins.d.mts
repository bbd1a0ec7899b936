// Types of scripts/lazyBuiltins.mjs for the tests that import it.
import type { Plugin } from 'esbuild';
export declare const LAZY_BUILTINS: string[];
export declare const lazyBuiltins: Plugin;
