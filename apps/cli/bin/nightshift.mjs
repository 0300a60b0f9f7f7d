#!/usr/bin/env node
// The CLI is TypeScript run by tsx (the monorepo has no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
