/** Where a keyed record goes: Kafka's default placement, remembered per key. */
import { type ICustomPartitioner, Partitioners } from 'kafkajs';

/**
 * Kafka's default partitioner (murmur2 of the key, as the Java client: an account lands on the
 * same partition whoever produces it), remembered per key: kafkajs's own filters the partition
 * list and hashes the key again for every message.
 */
export const cachedDefaultPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  /** Placements per topic and partition count; the last one used is kept at hand (no string built per message). */
  const places = new Map<string, Map<string, number>>();
  let lastTopic = '';
  let lastCount = -1;
  let last = new Map<string, number>();
  return (args) => {
    const { message, topic, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (typeof message.key !== 'string') return partitioner(args);
    if (topic !== lastTopic || partitionMetadata.length !== lastCount) {
      const at = `${topic}|${partitionMetadata.length}`;
      let m = places.get(at);
      if (m === undefined) {
        m = new Map();
        places.set(at, m);
      }
      last = m;
      lastTopic = topic;
      lastCount = partitionMetadata.length;
    }
    let p = last.get(message.key);
    if (p === undefined) {
      p = partitioner(args);
      last.set(message.key, p);
    }
    return p;
  };
};
