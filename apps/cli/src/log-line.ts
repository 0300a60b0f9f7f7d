import { styleText } from 'node:util';

const levels: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
type Style = Parameters<typeof styleText>[0];
const levelStyle: Record<string, Style> = { warn: 'yellow', error: 'red', fatal: 'red' };
/** pino's bookkeeping fields: shown elsewhere in the line or not at all. */
const hidden = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

/** Options of {@link formatLogLine}. */
export interface FormatLogOptions {
  /** ANSI colours (only on a terminal). */
  color: boolean;
  /** Width the service name is padded to. Default 9. */
  nameWidth?: number;
}

/**
 * One compact line for one line a service printed: `service  HH:MM:SS level message k=v …`.
 * pino JSON is unpacked (errors shown by message); anything else is passed through.
 *
 * @example
 * formatLogLine('api', '{"level":30,"time":0,"msg":"api listening","port":3000}', { color: false });
 * // 'api       00:00:00 info  api listening port=3000'
 */
export function formatLogLine(service: string, line: string, options: FormatLogOptions): string {
  const paint = (style: Style, text: string) => (options.color ? styleText(style, text) : text);
  const name = paint('cyan', service.padEnd(options.nameWidth ?? 9));
  let entry: Record<string, unknown> | undefined;
  if (line.startsWith('{')) {
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      entry = undefined;
    }
  }
  if (!entry) return `${name} ${escapeControls(line)}`;
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 19) : '--:--:--';
  const level = levels[entry.level as number] ?? String(entry.level ?? 'info');
  const levelText = level.padEnd(5);
  const styledLevel = levelStyle[level] ? paint(levelStyle[level], levelText) : levelText;
  const fields = Object.entries(entry)
    .filter(([key]) => !hidden.has(key))
    .map(([key, value]) => `${escapeControls(key)}=${escapeControls(formatValue(value))}`);
  const message = escapeControls(String(entry.msg ?? ''));
  return [name, paint('dim', time), styledLevel, message, ...fields]
    .filter((part) => part !== '')
    .join(' ');
}

/**
 * C0 and C1 controls, DEL, line and paragraph separators and bidi overrides: what a terminal
 * acts on (ESC starts colour, cursor and title sequences, CSI is U+009B, CR rewrites the line)
 * or what reorders the text a reader sees.
 */
function isControl(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const named: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r' };

/**
 * Text from a log line with every control character written as a visible escape (`\x1b`,
 * `\r`, `\u202e`), so a request path such as `/\x1b[2J` is shown, never obeyed. Request
 * paths, headers and error messages reach the local terminal through the apps' logs.
 *
 * @example
 * escapeControls('/v1/\u001b[31mred\r'); // '/v1/\\x1b[31mred\\r'
 */
export function escapeControls(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControl(code)) {
      out += text[i];
      continue;
    }
    out +=
      named[code] ??
      (code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`);
  }
  return out;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === 'object' && 'message' in value) {
    // pino's err serializer: the message is the useful part on a one-line log.
    return JSON.stringify((value as { message: unknown }).message);
  }
  return JSON.stringify(value);
}

/** Start-up chatter Redis prints even at `--loglevel warning`. */
const redisBoilerplate =
  /oO0OoO0OoO0Oo|Redis version=|Configuration loaded|Server initialized|overcommit_memory|Memory overcommit/;

/**
 * A `redis-server` log line without its pid/role/date prefix, or `undefined` for start-up
 * boilerplate that would only crowd the terminal.
 *
 * @example
 * redisMessage('3673:M 27 Nov 2026 09:24:15.129 # Redis is now ready to exit, bye bye...');
 * // 'Redis is now ready to exit, bye bye...'
 */
export function redisMessage(line: string): string | undefined {
  if (redisBoilerplate.test(line)) return undefined;
  const match = /^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ . (.*)$/.exec(line);
  return match ? match[1] : line;
}
