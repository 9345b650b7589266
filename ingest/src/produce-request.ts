/**
 * The body of a Kafka Produce request (versions 3 to 7 share it) written straight from wire
 * frames: one record batch (magic 2, uncompressed) per partition, each record the frame as its
 * value and the account id as its key, no headers; the producer id, epoch and each batch's
 * first sequence of an idempotent producer, or none (-1, 0, 0, as kafkajs writes them).
 *
 * The bytes are those kafkajs's own encoder writes for the same messages (tests compare them),
 * without its objects per message: kafkajs builds a message object, a spread copy of it and an
 * encoder with a fresh 512-byte buffer per record, groups the messages by copying the array of
 * their partition once per message, then copies every record four times on the way to the
 * socket; here each record is written once into the request's buffer.
 *
 *   transactional_id NULLABLE_STRING (null), acks INT16, timeout INT32,
 *   [topic STRING, [partition INT32, record_set BYTES]]
 *   record batch: base_offset INT64 (0), batch_length INT32, partition_leader_epoch INT32 (0),
 *     magic INT8 (2), crc UINT32 (CRC-32C of what follows), attributes INT16 (0),
 *     last_offset_delta INT32, first_timestamp INT64, max_timestamp INT64, producer_id INT64,
 *     producer_epoch INT16, base_sequence INT32, [record]
 *   record: length VARINT, attributes INT8 (0), timestamp_delta VARLONG (0), offset_delta VARINT,
 *     key VARINT-length bytes, value VARINT-length bytes, [header] VARINT count (0)
 * (VARINTs zig-zag encoded, as Kafka's.)
 */
import { crc32c } from './crc32c.js';

/** The records of one partition: record i has key keys[i] and value values[starts[i], ends[i]). */
export interface PartitionRecords {
  partition: number;
  keys: string[];
  /** Where each record's value starts and ends in `values`. */
  starts: number[];
  ends: number[];
  values: Buffer;
  /** The sequence of the first record (an idempotent producer's; 0 otherwise). */
  firstSequence?: number;
}

/** An idempotent producer's identity (InitProducerId); kafkajs's non-idempotent one is { id: -1n, epoch: 0 }. */
export interface ProducerIdentity {
  id: bigint;
  epoch: number;
}

const NO_PRODUCER: ProducerIdentity = { id: -1n, epoch: 0 };

/** Bytes of n as a zig-zag VARINT (n >= 0: 2n as unsigned LEB128). */
function varintSize(n: number): number {
  let z = n * 2;
  let size = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  let z = n * 2;
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

/** Fixed bytes of a record batch before its records: base offset to the record count. */
const BATCH_HEAD = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/**
 * The Produce request body for `topic`: one record batch per entry of `partitions` (in that
 * order), timestamped `timestamp` (ms, CreateTime).
 */
export function encodeProduceRequest(
  topic: string,
  partitions: readonly PartitionRecords[],
  o: { acks: number; timeoutMs: number; timestamp: number; producer?: ProducerIdentity },
): Buffer {
  const producer = o.producer ?? NO_PRODUCER;
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  // The sizes first: each record's length prefix needs its body's size.
  let size = 2 + 2 + 4 + 4 + 2 + topicBytes + 4;
  const keyBytes: number[][] = [];
  for (const p of partitions) {
    size += 4 + 4 + BATCH_HEAD;
    const kb: number[] = new Array(p.keys.length);
    for (let i = 0; i < p.keys.length; i++) {
      const k = Buffer.byteLength(p.keys[i] as string, 'utf8');
      kb[i] = k;
      const v = (p.ends[i] as number) - (p.starts[i] as number);
      const body = 3 + varintSize(i) + varintSize(k) + k + varintSize(v) + v;
      size += varintSize(body) + body;
    }
    keyBytes.push(kb);
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = buf.writeInt16BE(-1, 0); // no transactional id
  pos = buf.writeInt16BE(o.acks, pos);
  pos = buf.writeInt32BE(o.timeoutMs, pos);
  pos = buf.writeInt32BE(1, pos); // one topic
  pos = buf.writeInt16BE(topicBytes, pos);
  pos += buf.write(topic, pos, 'utf8');
  pos = buf.writeInt32BE(partitions.length, pos);
  const hi = Math.floor(o.timestamp / 2 ** 32);
  const lo = o.timestamp >>> 0;
  partitions.forEach((p, at) => {
    const kb = keyBytes[at] as number[];
    pos = buf.writeInt32BE(p.partition, pos);
    const sizeAt = pos; // record_set size, then batch length: filled in once known
    pos += 4;
    pos = buf.writeInt32BE(0, pos); // base offset (INT64 0)
    pos = buf.writeInt32BE(0, pos);
    const lengthAt = pos;
    pos += 4;
    pos = buf.writeInt32BE(0, pos); // partition leader epoch
    buf[pos++] = 2; // magic
    const crcAt = pos;
    pos += 4;
    const crcFrom = pos;
    pos = buf.writeInt16BE(0, pos); // attributes: no compression, CreateTime, not transactional
    pos = buf.writeInt32BE(p.keys.length - 1, pos); // last offset delta
    pos = buf.writeInt32BE(hi, pos); // first timestamp
    pos = buf.writeUInt32BE(lo, pos);
    pos = buf.writeInt32BE(hi, pos); // max timestamp
    pos = buf.writeUInt32BE(lo, pos);
    pos = buf.writeBigInt64BE(producer.id, pos);
    pos = buf.writeInt16BE(producer.epoch, pos);
    pos = buf.writeInt32BE(p.firstSequence ?? 0, pos);
    pos = buf.writeInt32BE(p.keys.length, pos);
    for (let i = 0; i < p.keys.length; i++) {
      const k = kb[i] as number;
      const start = p.starts[i] as number;
      const v = (p.ends[i] as number) - start;
      pos = writeVarint(buf, pos, 3 + varintSize(i) + varintSize(k) + k + varintSize(v) + v);
      buf[pos++] = 0; // attributes
      buf[pos++] = 0; // timestamp delta
      pos = writeVarint(buf, pos, i);
      pos = writeVarint(buf, pos, k);
      pos += buf.write(p.keys[i] as string, pos, 'utf8');
      pos = writeVarint(buf, pos, v);
      pos += p.values.copy(buf, pos, start, start + v);
      buf[pos++] = 0; // no headers
    }
    buf.writeInt32BE(pos - sizeAt - 4, sizeAt);
    buf.writeInt32BE(pos - lengthAt - 4, lengthAt);
    buf.writeUInt32BE(crc32c(buf, crcFrom, pos), crcAt);
  });
  if (pos !== size) throw new Error(`produce request: ${pos} bytes written, ${size} expected`);
  return buf;
}
