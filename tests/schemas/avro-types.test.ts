// The TypeScript types in schemas/src/generated/avro-types.ts are generated from the .avsc
// files: this test fails when the checked-in file drifts from the schemas (run
// `node schemas/scripts/gen-types.mjs` or `npm run build -w schemas` to regenerate).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cdrType, DirectionValues, DispositionValues, ratedEventType, UsageKindValues } from '@ratel/schemas';
import { beforeAll, describe, expect, it } from 'vitest';

const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));
const generatedFile = `${schemasDir}src/generated/avro-types.ts`;
const avsc = (f: string) => JSON.parse(readFileSync(`${schemasDir}avro/${f}`, 'utf8'));

let generate: () => string;
beforeAll(async () => {
  ({ generate } = (await import('../../schemas/scripts/gen-types.mjs')) as { generate: () => string });
});

interface AvroRecord {
  type: 'record';
  name: string;
  fields: { name: string; type: unknown }[];
}
interface AvroEnum {
  type: 'enum';
  name: string;
  symbols: string[];
}

/** Every named record and enum of a schema, found by walking it (independent of the generator). */
function named(schema: unknown, out: { records: AvroRecord[]; enums: AvroEnum[] } = { records: [], enums: [] }) {
  if (Array.isArray(schema)) for (const s of schema) named(s, out);
  else if (schema && typeof schema === 'object') {
    const s = schema as { type?: unknown; fields?: { type: unknown }[]; items?: unknown; values?: unknown };
    if (s.type === 'record') {
      out.records.push(s as AvroRecord);
      for (const f of s.fields ?? []) named(f.type, out);
    } else if (s.type === 'enum') out.enums.push(s as AvroEnum);
    else if (s.type === 'array') named(s.items, out);
    else if (s.type === 'map') named(s.values, out);
    else if (typeof s.type === 'object') named(s.type, out);
  }
  return out;
}

describe('generated Avro types', () => {
  it('the checked-in avro-types.ts is exactly what gen-types.mjs produces from avro/*.avsc', () => {
    const onDisk = readFileSync(generatedFile, 'utf8');
    expect(onDisk).toBe(generate());
  });

  it('the generator is deterministic and covers every .avsc file', () => {
    const out = generate();
    expect(generate()).toBe(out);
    const files = readdirSync(`${schemasDir}avro`).filter((f) => f.endsWith('.avsc'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(out).toContain(`// ---- ${f}`);
  });

  it('every record of the schemas is an interface with its fields in schema order', () => {
    const src = readFileSync(generatedFile, 'utf8');
    for (const f of ['cdr.v1.avsc', 'rated-event.v1.avsc']) {
      for (const rec of named(avsc(f)).records) {
        const m = new RegExp(`export interface ${rec.name} \\{\\n([\\s\\S]*?)\\n\\}`).exec(src);
        expect(m, `interface ${rec.name}`).not.toBeNull();
        const fields = [...(m?.[1] ?? '').matchAll(/^ {2}(\w+): /gm)].map((x) => x[1]);
        expect(fields, rec.name).toEqual(rec.fields.map((x) => x.name));
      }
    }
  });

  it('the exported enum value lists are the schema symbols', () => {
    const enums = new Map(named(avsc('cdr.v1.avsc')).enums.map((e) => [e.name, e.symbols]));
    expect([...UsageKindValues]).toEqual(enums.get('UsageKind'));
    expect([...DirectionValues]).toEqual(enums.get('Direction'));
    expect([...DispositionValues]).toEqual(enums.get('Disposition'));
  });

  it('nullable unions are typed "null | T" and longs are numbers', () => {
    const src = readFileSync(generatedFile, 'utf8');
    expect(src).toMatch(/^ {2}roaming_country: null \| string;$/m);
    expect(src).toMatch(/^ {2}voice: null \| Voice;$/m);
    expect(src).toMatch(/^ {2}answer_ms: null \| number;$/m);
    expect(src).toMatch(/^ {2}reasons: string\[\];$/m);
  });

  it('the compiled avsc types accept exactly the record shapes of the generated interfaces', () => {
    // every non-nullable field of the interface is required by the schema: dropping one makes a
    // value invalid (avsc reads a missing nullable field as null)
    const cdr = {
      id: 'x',
      kind: 'EVENT',
      account_id: 'a',
      user_id: 'u',
      start_ms: 1,
      roaming_country: null,
      voice: null,
      message: null,
      data: null,
      event: { service: 's', quantity: 1, reference: null },
    };
    expect(cdrType.isValid(cdr)).toBe(true);
    expect(cdrType.isValid({ ...cdr, kind: 'FAX' })).toBe(false);
    expect(cdrType.isValid({ ...cdr, start_ms: '1' })).toBe(false);
    const required = (avsc('cdr.v1.avsc') as AvroRecord).fields
      .filter((f) => !(Array.isArray(f.type) && f.type.includes('null')))
      .map((f) => f.name);
    expect(required).toEqual(['id', 'kind', 'account_id', 'user_id', 'start_ms']);
    for (const k of required) {
      const { [k]: _dropped, ...rest } = cdr as Record<string, unknown>;
      expect(cdrType.isValid(rest), `without ${k}`).toBe(false);
    }
    const ratedFields = (avsc('rated-event.v1.avsc') as AvroRecord).fields.map((f) => f.name);
    expect(ratedFields).toContain('cost_micros');
    expect(ratedEventType.isValid({})).toBe(false);
  });
});
