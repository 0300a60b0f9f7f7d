#!/usr/bin/env node
// The CLI is TypeScript run by tsx. Its tsconfig maps the workspace packages to their sources
// (their package exports point at a build), whatever directory the CLI is started from.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/main.ts');
