#!/usr/bin/env node
// The package's command: the same scan as `npm run scan`, from the esbuild bundle built by `npm ci` (prepare).
import '../dist/cli/scan.mjs';
