/**
 * The `httpIngest` section of the configuration (`ratel ingest-http`): where the server listens,
 * its bearer token, the body limit, requests handled at once, worker processes, and the mapping
 * files of the generic formats. Part of the one config object (../config.ts); every key is in the README.
 */
import { z } from 'zod';
import { isLoopback } from '../secure-config.js';

/** 16 MiB: a body over it is refused with 413. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const file = z.string().min(1).nullable().default(null);

export const httpIngestSchema = z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 = any free port (the command prints the one it got). */
    port: z.number().int().min(0).max(65535).default(8471),
    /** Asked of every POST /v1/cdrs as `Authorization: Bearer <token>`; required to start. */
    token: z.string().min(16, 'at least 16 characters').nullable().default(null),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(DEFAULT_MAX_BODY_BYTES),
    /** Requests read, checked and produced at the same time (per worker); more wait for a turn (unread). */
    maxInFlight: z.number().int().min(1).max(1024).default(16),
    /** Processes serving the port (node:cluster), each with its own Kafka producer: one per core at most. */
    workers: z.number().int().min(1).max(64).default(1),
    /** Mapping files of the generic formats (`?format=csv` needs `mappings.csv`). */
    mappings: z.strictObject({ csv: file, tsv: file, psv: file, jsonl: file }).prefault({}),
  })
  .superRefine((h, ctx) => {
    if (!isLoopback(h.host) && h.token === null)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: `the HTTP ingest binds to ${h.host}, off loopback: a bearer token is required (at least 16 characters)`,
      });
  })
  .prefault({});

export type HttpIngestConfig = z.infer<typeof httpIngestSchema>;

const integer = (v: string): number => {
  if (!/^\d+$/.test(v.trim())) throw new Error(`not a whole number: "${v}"`);
  return Number(v.trim());
};

/** Environment variables of the section (the token also as RATEL_HTTP_INGEST_TOKEN_FILE). */
export const HTTP_INGEST_ENV: Record<string, { path: string[]; parse?: (v: string) => unknown }> = {
  RATEL_HTTP_INGEST_HOST: { path: ['httpIngest', 'host'] },
  RATEL_HTTP_INGEST_PORT: { path: ['httpIngest', 'port'], parse: integer },
  RATEL_HTTP_INGEST_TOKEN: { path: ['httpIngest', 'token'] },
  RATEL_HTTP_INGEST_MAX_BODY_BYTES: { path: ['httpIngest', 'maxBodyBytes'], parse: integer },
  RATEL_HTTP_INGEST_MAX_IN_FLIGHT: { path: ['httpIngest', 'maxInFlight'], parse: integer },
  RATEL_HTTP_INGEST_WORKERS: { path: ['httpIngest', 'workers'], parse: integer },
  RATEL_HTTP_INGEST_CSV_MAPPING: { path: ['httpIngest', 'mappings', 'csv'] },
  RATEL_HTTP_INGEST_TSV_MAPPING: { path: ['httpIngest', 'mappings', 'tsv'] },
  RATEL_HTTP_INGEST_PSV_MAPPING: { path: ['httpIngest', 'mappings', 'psv'] },
  RATEL_HTTP_INGEST_JSONL_MAPPING: { path: ['httpIngest', 'mappings', 'jsonl'] },
};
