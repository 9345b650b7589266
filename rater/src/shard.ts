/**
 * Which rating worker owns an account: a stable hash (FNV-1a, 32 bits) of the account id's UTF-8
 * bytes, modulo the number of shards. An account's CDRs always reach the same worker, so each
 * worker holds whole account-months and rates them as one engine would.
 *
 * The main thread reads the account id straight out of a CDR's Avro body (bodyShard: no decode,
 * no string, no allocation); an id given as a string (accountShard) hashes to the same shard as
 * a body holding it, and so does the id the store reads back.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The shard of an account id (0 .. shards-1). */
export function accountShard(accountId: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = FNV_OFFSET;
  for (let i = 0; i < accountId.length; i++) {
    const c = accountId.charCodeAt(i);
    if (c >= 0x80) return bytesShard(Buffer.from(accountId, 'utf8'), 0, Buffer.byteLength(accountId, 'utf8'), shards);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return (h >>> 0) % shards;
}

function bytesShard(b: Uint8Array, from: number, to: number, shards: number): number {
  let h = FNV_OFFSET;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (b[i] as number), FNV_PRIME);
  return (h >>> 0) % shards;
}

/**
 * Reads an Avro long (zigzag varint) at `at` into `varint.value` and returns where it ends, or -1
 * when it runs past `end` or is longer than 7 bytes (far beyond any length a body can hold).
 */
function readLong(b: Uint8Array, at: number, end: number): number {
  let n = 0;
  let shift = 1;
  for (let k = 0; k < 7; k++) {
    if (at >= end) return -1;
    const byte = b[at++] as number;
    n += (byte & 0x7f) * shift;
    if ((byte & 0x80) === 0) {
      varint.value = n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      return at;
    }
    shift *= 128;
  }
  return -1;
}
const varint = { value: 0 };

/**
 * The shard of the CDR whose cdr.v1 Avro body is b[from..to): its fields start with `id`
 * (string), `kind` (enum) and `account_id` (string). -1 when the body is too short or its lengths
 * are absurd: such a frame goes to any worker, which dead-letters it.
 */
export function bodyShard(b: Uint8Array, from: number, to: number, shards: number): number {
  let at = readLong(b, from, to); // id length
  if (at < 0 || varint.value < 0 || at + varint.value > to) return -1;
  at = readLong(b, at + varint.value, to); // kind
  if (at < 0) return -1;
  at = readLong(b, at, to); // account_id length
  const end = at + varint.value;
  if (at < 0 || varint.value < 0 || end > to) return -1;
  if (shards <= 1) return 0;
  for (let i = at; i < end; i++) {
    // Not ASCII: hashed as the string it decodes to (invalid UTF-8 becomes U+FFFD), as accountShard would.
    if ((b[i] as number) >= 0x80) return accountShard(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', at, end), shards);
  }
  return bytesShard(b, at, end, shards);
}

/**
 * Drops from a worker's copy of the account book every account another shard owns: a worker
 * rates its own accounts only, so it holds only theirs. Each worker
 * would otherwise keep the whole book alive in its heap, and the collector would mark it once
 * per worker (bench/RESULTS.md, 2026-12-02).
 */
export function keepShardAccounts(accounts: Map<string, unknown>, shard: number, shards: number): void {
  if (shards <= 1) return;
  for (const id of accounts.keys()) if (accountShard(id, shards) !== shard) accounts.delete(id);
}
