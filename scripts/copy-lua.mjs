// tsc emits JavaScript only; the Lua scripts that modules load beside themselves
// (`new URL('./lua/x.lua', import.meta.url)`) must sit at the same place under dist/.
// Run from a workspace folder after tsc: copies src/**/*.lua to dist/**/*.lua.
import { cpSync, existsSync, statSync } from 'node:fs';

if (existsSync('src')) {
  cpSync('src', 'dist', {
    recursive: true,
    filter: (source) => statSync(source).isDirectory() || source.endsWith('.lua'),
  });
}
