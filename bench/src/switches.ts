/**
 * bench:switches. Prints name=value lines, for each switch format (freeswitch_csv,
 * freeswitch_json, asterisk_csv, asterisk_custom):
 *   switch_<format>_lines_per_sec      split + parse + classify + map + resolve the subscriber +
 *                                      normalise, one core, wall clock: lines as the switch writes
 *                                      them (85% answered, the rest busy, unanswered, cancelled:
 *                                      CDRs too, with nothing billable) split from 4 MB chunks,
 *                                      directory of 1,000,000 numbers
 *   switch_<format>_cpu_lines_per_sec  the same over the process's CPU time (process.cpuUsage)
 *   node bench/dist/switches.js [lines] [numbers]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter, Rng, sources } from '@ratel/ingest';
import { loadCatalog } from '@ratel/rater';
import { benchDirectory } from './bench-directory.js';

const LINES = Number(process.argv[2] ?? 500_000);
const NUMBERS = Number(process.argv[3] ?? 1_000_000);
const rng = new Rng(17);

// The directory of bench/src/import.ts.
const { numbers, book, directory } = benchDirectory(NUMBERS, 'b', loadCatalog());

const now = new Date();
const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
const pad = (n: number) => String(n).padStart(2, '0');
/** "YYYY-MM-DD HH:MM:SS" of an instant, `offsetMs` ahead of UTC. */
const stamp = (ms: number, offsetMs: number) => {
  const d = new Date(ms + offsetMs);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};
const CALLEES = ['0612345678', '0698765432', '0145678901', '0033911234567', '+34911234567', '+442071234567', '0756789012', '112'];
const CAUSES = ['USER_BUSY', 'NO_ANSWER', 'ORIGINATOR_CANCEL'];
const DISPOSITIONS = ['BUSY', 'NO ANSWER', 'CANCEL'];

interface Call {
  i: number;
  start: number;
  ring: number;
  bill: number;
  caller: string;
  callee: string;
  miss: number;
}
function calls(): Call[] {
  const out: Call[] = [];
  for (let i = 0; i < LINES; i++) {
    const answered = rng.next() > 0.15;
    out.push({
      i,
      start: first + Math.floor(((i + rng.next()) * 25 * 86_400_000) / LINES),
      ring: 2 + Math.floor(rng.next() * 10),
      bill: answered ? 1 + Math.floor(rng.next() * 600) : 0,
      caller: numbers[Math.floor(rng.next() * numbers.length)] as string,
      callee: CALLEES[Math.floor(rng.next() * CALLEES.length)] as string,
      miss: Math.floor(rng.next() * 3),
    });
  }
  return out;
}

const PARIS = 3_600_000; // the month before is winter time in most months; the importer reads it back with the zone
const formats: [sources.SwitchFormat, (c: Call) => string, unknown][] = [
  [
    'freeswitch-csv',
    (c) => {
      const end = c.start + (c.ring + c.bill) * 1000;
      return `"Caller","${c.caller}","${c.callee}","default","${stamp(c.start, PARIS)}","${c.bill ? stamp(c.start + c.ring * 1000, PARIS) : ''}","${stamp(end, PARIS)}","${c.ring + c.bill}","${c.bill}","${c.bill ? 'NORMAL_CLEARING' : CAUSES[c.miss]}","6a000000-0000-4000-8000-${String(c.i).padStart(12, '0')}","","","PCMA","PCMA"`;
    },
    undefined,
  ],
  [
    'freeswitch-json',
    (c) => {
      const us = c.start * 1000;
      return JSON.stringify({
        'core-uuid': '3b7c52a4-5e0b-4d1f-9f55-0a1b2c3d4e5f',
        channel_data: { state: 'CS_REPORTING', direction: 'inbound' },
        variables: {
          uuid: `7c000000-0000-4000-8000-${String(c.i).padStart(12, '0')}`,
          sip_call_id: `c${c.i}%40pbx.example`,
          start_epoch: String(Math.floor(c.start / 1000)),
          start_uepoch: String(us),
          answer_uepoch: c.bill ? String(us + c.ring * 1_000_000) : '0',
          end_uepoch: String(us + (c.ring + c.bill) * 1_000_000),
          billsec: String(c.bill),
          billusec: String(c.bill * 1_000_000),
          uduration: String((c.ring + c.bill) * 1_000_000),
          hangup_cause: c.bill ? 'NORMAL_CLEARING' : CAUSES[c.miss],
          sip_hangup_disposition: 'recv_bye',
        },
        callflow: { profile_index: '1', caller_profile: { caller_id_number: c.caller, destination_number: c.callee, context: 'default' } },
      });
    },
    undefined,
  ],
  [
    'asterisk-csv',
    (c) => {
      const end = c.start + (c.ring + c.bill) * 1000;
      return `"","${c.caller}","${c.callee}","from-internal","""Caller"" <${c.caller}>","PJSIP/trunk-${c.i}","PJSIP/carrier-${c.i}","Dial","PJSIP/${c.callee}@carrier","${stamp(c.start, 0)}",${c.bill ? `"${stamp(c.start + c.ring * 1000, 0)}"` : ''},"${stamp(end, 0)}",${c.ring + c.bill},${c.bill},"${c.bill ? 'ANSWERED' : DISPOSITIONS[c.miss]}","DOCUMENTATION","${Math.floor(c.start / 1000)}.${c.i}",""`;
    },
    undefined,
  ],
  [
    'asterisk-custom',
    (c) => {
      const end = c.start + (c.ring + c.bill) * 1000;
      return `"""Caller"" <${c.caller}>","${c.caller}","${c.callee}","from-internal","PJSIP/trunk-${c.i}","PJSIP/carrier-${c.i}","Dial","x","${stamp(c.start, PARIS)}","${c.bill ? stamp(c.start + c.ring * 1000, PARIS) : ''}","${stamp(end, PARIS)}","${c.ring + c.bill}.250000","${c.bill ? `${c.bill - 1}.500000` : '0.000000'}","${c.bill ? 'ANSWERED' : DISPOSITIONS[c.miss]}","DOCUMENTATION","","${Math.floor(c.start / 1000)}.${c.i}","",${c.i}`;
    },
    {
      template:
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Asterisk's own ${CDR(field)} syntax
        'Master.csv => ${CSV_QUOTE(${CDR(clid)})},${CSV_QUOTE(${CDR(src)})},${CSV_QUOTE(${CDR(dst)})},${CSV_QUOTE(${CDR(dcontext)})},${CSV_QUOTE(${CDR(channel)})},${CSV_QUOTE(${CDR(dstchannel)})},${CSV_QUOTE(${CDR(lastapp)})},${CSV_QUOTE(${CDR(lastdata)})},${CSV_QUOTE(${CDR(start)})},${CSV_QUOTE(${CDR(answer)})},${CSV_QUOTE(${CDR(end)})},${CSV_QUOTE(${CDR(duration,f)})},${CSV_QUOTE(${CDR(billsec,f)})},${CSV_QUOTE(${CDR(disposition)})},${CSV_QUOTE(${CDR(amaflags)})},${CSV_QUOTE(${CDR(accountcode)})},${CSV_QUOTE(${CDR(uniqueid)})},${CSV_QUOTE(${CDR(userfield)})},${CDR(sequence)}',
    },
  ],
];

const all = calls();
const answered = all.filter((c) => c.bill > 0).length;
const dir = mkdtempSync(join(tmpdir(), 'ratel-bench-switches-'));
try {
  for (const [format, line, profile] of formats) {
    let mapping: string | undefined;
    if (profile !== undefined) {
      mapping = join(dir, `${format}.json`);
      writeFileSync(mapping, JSON.stringify(profile));
    }
    const text = Buffer.from(`${all.map(line).join('\n')}\n`);
    const source = sources.createSource({ format, mapping, accounts: book, directory });
    const res = sources.newLineResult();
    let cdrs = 0;
    let billed = 0;
    let other = '';
    const sink = {
      line(l: string, n: number) {
        source.read(l, n, res);
        if (res.status === sources.LineStatus.CDR) {
          cdrs++;
          if (res.cdr?.voice?.disposition === 'ANSWERED') billed++;
        } else if (other === '') other = `line ${n}: ${res.reason}`;
      },
      tooLong() {
        other = 'a line too long';
      },
    };
    const run = () => {
      cdrs = 0;
      billed = 0;
      const split = new LineSplitter();
      source.startFile(format);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const CHUNK = 4 * 1024 * 1024;
      for (let i = 0; i < text.length; i += CHUNK) split.push(text.subarray(i, Math.min(text.length, i + CHUNK)), sink);
      split.end(sink);
      const cpu = process.cpuUsage(cpu0);
      return { wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 };
    };
    run(); // warm-up: the zones' offsets, the JIT
    const a = run();
    const b = run();
    const best = a.wall <= b.wall ? a : b;
    // Every line is a call: a CDR, answered or not.
    if (other !== '' || cdrs !== LINES || billed !== answered)
      throw new Error(`${format}: ${cdrs} CDRs (${billed} answered) of ${LINES} lines (${answered} answered); ${other}`);
    const name = format.replace('-', '_');
    console.log(`switch_${name}_lines=${LINES}`);
    console.log(`switch_${name}_lines_per_sec=${Math.round(LINES / (best.wall / 1000))}`);
    console.log(`switch_${name}_cpu_lines_per_sec=${Math.round(LINES / (best.cpu / 1000))}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
