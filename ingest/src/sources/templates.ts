/**
 * The record templates switches are configured with, compiled into what a line of their output
 * holds:
 *
 * - FreeSWITCH mod_cdr_csv: a `<template>` of cdr_csv.conf.xml, text with `${variable}`
 *   references. mod_cdr_csv writes the values as they are (a quote inside a value is not
 *   escaped), so a line is read by finding, from the left, the literal text between two
 *   variables (`","` in the example template).
 * - Asterisk cdr_custom: a `[mappings]` line of cdr_custom.conf, `${CDR(field)}` references,
 *   usually wrapped in `${CSV_QUOTE(...)}` (quoted, a quote doubled: RFC 4180), joined by one
 *   separator character. Anything else between two separators (a literal, `${EPOCH}`) is a
 *   column ratel does not read.
 */

/** A FreeSWITCH template: vars[k] sits between literals[k] and literals[k + 1]. */
export interface FsTemplate {
  text: string;
  vars: string[];
  literals: string[];
}

const XML_ENTITIES: Record<string, string> = { '&quot;': '"', '&apos;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/** Ends a `${` at i (the index of `$`): the index after its closing brace, or -1. */
function closeOf(t: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}

/**
 * Compiles a mod_cdr_csv template (as written in cdr_csv.conf.xml: XML entities are read, the
 * line break mod_cdr_csv appends may be left out); returns why it cannot be read otherwise.
 */
export function compileFsTemplate(raw: string): FsTemplate | string {
  const text = raw.replace(/&(quot|apos|lt|gt|amp);/g, (e) => XML_ENTITIES[e] as string).replace(/\r?\n$/, '');
  if (/[\r\n]/.test(text)) return 'a template is one line (mod_cdr_csv writes one line a call)';
  const vars: string[] = [];
  const literals: string[] = [];
  let lit = '';
  for (let i = 0; i < text.length; ) {
    if (text.startsWith('${', i)) {
      const end = closeOf(text, i);
      if (end < 0) return `"\${" at character ${i + 1} is not closed`;
      if (vars.length > 0 && lit === '')
        return `\${${vars[vars.length - 1]}} and ${text.slice(i, end)} have nothing between them: their values cannot be told apart`;
      literals.push(lit);
      lit = '';
      vars.push(text.slice(i + 2, end - 1).trim());
      i = end;
    } else {
      lit += text[i];
      i++;
    }
  }
  literals.push(lit);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: FreeSWITCH's own ${variable} syntax
  if (vars.length === 0) return 'the template has no ${variable}';
  if (vars.length > 1024) return 'more than 1024 variables';
  return { text, vars, literals };
}

/** Where each variable of a template is in a line: value k is line[starts[k], ends[k]). */
export class TemplateScanner {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Why the last scan failed ('' when it did not). */
  error = '';

  constructor(readonly t: FsTemplate) {
    this.starts = new Int32Array(t.vars.length);
    this.ends = new Int32Array(t.vars.length);
  }

  /** Scans a line; false (with `error`) when it does not have the template's shape. */
  scan(line: string): boolean {
    const { vars, literals } = this.t;
    const n = vars.length;
    const first = literals[0] as string;
    if (!line.startsWith(first)) return this.fail(`the line does not begin with the template's '${first}'`);
    let pos = first.length;
    for (let k = 0; k < n; k++) {
      const after = literals[k + 1] as string;
      this.starts[k] = pos;
      if (k === n - 1) {
        // The last value runs to the template's closing text at the end of the line.
        const end = line.length - after.length;
        if (end < pos || !line.endsWith(after))
          return this.fail(`the line does not end with the template's '${after}' (after \${${vars[k]}})`);
        // A separator inside the last value: the line has more fields than the template.
        const sep = literals[k] as string;
        const extra = sep.length > 0 ? line.indexOf(sep, pos) : -1;
        if (extra >= 0 && extra + sep.length <= end) return this.fail(`more fields than the template's ${n}`);
        this.ends[k] = end;
        return true;
      }
      const at = line.indexOf(after, pos);
      if (at < 0) return this.fail(`only ${k + 1} of the template's ${n} fields (no '${after}' after \${${vars[k]}})`);
      this.ends[k] = at;
      pos = at + after.length;
    }
    return true;
  }

  private fail(why: string): false {
    this.error = why;
    return false;
  }
}

/** A column of an Asterisk cdr_custom mapping: the CDR field it holds (lower case), or null for one ratel does not read. */
export interface CustomColumn {
  field: string | null;
  /** CDR() options: "f" (durations as decimals), "u" (times as epoch seconds, disposition as a number). */
  options: string;
}

export interface CustomMapping {
  separator: string;
  columns: CustomColumn[];
}

const SEPARATORS = new Set([',', ';', '|', '\t', ':']);
const CDR_REF = /^\$\{CDR\(\s*([A-Za-z_][A-Za-z0-9_-]*)\s*(?:,\s*([a-z]*)\s*)?\)\}$/;
const QUOTED_REF = /^\$\{CSV_QUOTE\((\$\{CDR\([^)]*\)\})\)\}$/;

/**
 * Compiles a cdr_custom.conf `[mappings]` line (`Master.csv => ${CSV_QUOTE(${CDR(clid)})},...`;
 * the `file =>` part may be left out); returns why it cannot be read otherwise.
 */
export function compileCustomMapping(raw: string): CustomMapping | string {
  let text = raw.trim();
  const arrow = /^[^$]*?=>\s*/.exec(text);
  if (arrow) text = text.slice(arrow[0].length);
  if (/[\r\n]/.test(text)) return 'a mapping is one line (cdr_custom writes one line a call)';
  // The pieces between separators outside ${...}: the separator is the first of , ; | tab : met there.
  let separator = '';
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < text.length; ) {
    if (text.startsWith('${', i)) {
      const end = closeOf(text, i);
      if (end < 0) return `"\${" at character ${i + 1} is not closed`;
      piece += text.slice(i, end);
      i = end;
      continue;
    }
    const ch = text[i] as string;
    if (separator === '' && SEPARATORS.has(ch)) separator = ch;
    if (ch === separator) {
      pieces.push(piece);
      piece = '';
    } else piece += ch;
    i++;
  }
  pieces.push(piece);
  const columns: CustomColumn[] = pieces.map((p) => {
    let ref = p.trim();
    const q = QUOTED_REF.exec(ref);
    if (q) ref = q[1] as string;
    else if (ref.length > 2 && ref.startsWith('"') && ref.endsWith('"')) ref = ref.slice(1, -1);
    const m = CDR_REF.exec(ref);
    return m ? { field: (m[1] as string).toLowerCase(), options: m[2] ?? '' } : { field: null, options: '' };
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Asterisk's own ${CDR(field)} syntax
  if (!columns.some((c) => c.field !== null)) return 'the mapping has no ${CDR(field)}';
  if (columns.length > 1024) return 'more than 1024 columns';
  return { separator: separator || ',', columns };
}
