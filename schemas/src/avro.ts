/** Loads the versioned Avro schemas shipped in ../avro and compiles them with avsc. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import type { AlertEvent, Cdr, RatedEvent } from './generated/avro-types.js';

const avroDir = fileURLToPath(new URL('../avro/', import.meta.url));

export const schemaText = (file: string): string => readFileSync(`${avroDir}${file}`, 'utf8');

export const CDR_SCHEMA_FILE = 'cdr.v1.avsc';
export const RATED_SCHEMA_FILE = 'rated-event.v1.avsc';
export const ALERT_SCHEMA_FILE = 'alert.v1.avsc';

export const cdrType = avro.Type.forSchema(JSON.parse(schemaText(CDR_SCHEMA_FILE))) as avro.Type & {
  fromBuffer(b: Buffer): Cdr;
  toBuffer(v: Cdr): Buffer;
};
export const ratedEventType = avro.Type.forSchema(JSON.parse(schemaText(RATED_SCHEMA_FILE))) as avro.Type & {
  fromBuffer(b: Buffer): RatedEvent;
  toBuffer(v: RatedEvent): Buffer;
};
export const alertEventType = avro.Type.forSchema(JSON.parse(schemaText(ALERT_SCHEMA_FILE))) as avro.Type & {
  fromBuffer(b: Buffer): AlertEvent;
  toBuffer(v: AlertEvent): Buffer;
};
