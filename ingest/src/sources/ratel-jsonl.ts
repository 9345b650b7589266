/**
 * ratel's own JSON Lines layout: one cdr.v1 record a line as JSON, exactly as the Avro schema
 * names its fields (`{"id": …, "kind": "VOICE", "account_id": …, "voice": {…}, "message": null, …}`);
 * fields with a default in cdr.v1 (roaming_country, forwarded_from, answer_ms, parts, apn,
 * quantity, reference, the sections of the other kinds) may be left out. `ratelJsonLine` writes it.
 */
import { type Cdr, cdrType } from '@ratel/schemas';
import { type CdrSource, jsonObjectOf, type LineResult, LineStatus, reject } from './source.js';

export const ratelJsonLine = (c: Cdr): string => JSON.stringify(c);

export class RatelJsonLinesSource implements CdrSource {
  readonly format = 'ratel-jsonl';
  /** Where each line's record is encoded (grown as needed): its bytes go out as `LineResult.avro`. */
  private scratch = Buffer.allocUnsafe(4096);

  startFile(): void {}

  read(line: string, _lineNo: number, out: LineResult): void {
    out.avro = null;
    const obj = jsonObjectOf(line, out);
    if (obj === null) return;
    let cdr: Cdr;
    let end: number;
    try {
      // Fills the defaults and checks every field's type against cdr.v1: avsc's clone (encode,
      // then decode), with the encoded bytes kept for the frame.
      end = cdrType.encode(obj, this.scratch, 0);
      while (end < 0) {
        this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
        end = cdrType.encode(obj, this.scratch, 0);
      }
      cdr = cdrType.fromBuffer(this.scratch.subarray(0, end)) as Cdr;
    } catch (e) {
      return void reject(out, `not a cdr.v1 record: ${(e as Error).message.slice(0, 160)}`);
    }
    out.status = LineStatus.CDR;
    out.cdr = cdr;
    out.avro = this.scratch.subarray(0, end);
  }
}
