// Proves that the broker started by `deploy/services.sh up` works with kafkajs 2.2.4 for what
// ratel uses: admin topic creation, produce, consumer groups with committed offsets, and
// transactions (transactional producer + sendOffsets, commit and abort, read_committed).
// This is the test that picked the Kafka version in deploy/kafka/pom.xml.
// It never skips: an unreachable broker is a failure that says how to start it.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { CompressionTypes, type Consumer, type EachMessagePayload, Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';

const BROKERS = (process.env.RATEL_KAFKA_BROKERS ?? '127.0.0.1:19092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const RUN = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const name = (what: string) => `ratel-compat-${what}-${RUN}`;

function canConnect(address: string, timeoutMs = 3_000): Promise<boolean> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

let reachable: Promise<void> | undefined;
/** Fails (never skips) with a message that says how to start the broker. */
function requireBroker(): Promise<void> {
  reachable ??= (async () => {
    const results = await Promise.all(BROKERS.map((b) => canConnect(b)));
    if (!results.some(Boolean)) {
      throw new Error(`Kafka not reachable at ${BROKERS.join(',')}: run \`bash deploy/services.sh up\` (or set RATEL_KAFKA_BROKERS)`);
    }
  })();
  return reachable;
}

const kafka = new Kafka({
  clientId: `ratel-compat-${RUN}`,
  brokers: BROKERS,
  // Retriable errors (coordinator loading, concurrent transactions) are logged by kafkajs as
  // ERROR; keep the output clean. KAFKAJS_LOG_LEVEL=info (read by kafkajs) shows everything.
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3_000,
  requestTimeout: 10_000,
  retry: { retries: 5, initialRetryTime: 200 },
});

const text = (p: EachMessagePayload) => p.message.value?.toString() ?? '';

/** Runs `consumer` on `topic` from the beginning until `enough(received)` or the timeout. */
async function consumeUntil(
  consumer: Consumer,
  topic: string,
  enough: (received: EachMessagePayload[]) => boolean,
  timeoutMs = 20_000,
): Promise<EachMessagePayload[]> {
  const received: EachMessagePayload[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async (payload) => {
      received.push(payload);
      if (enough(received)) finish();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    throw new Error(
      `consumer on ${topic} timed out after ${timeoutMs} ms with ${received.length} message(s): ` +
        JSON.stringify(received.map((p) => [p.partition, p.message.offset, text(p)])),
    );
  }
  return received;
}

describe(`kafkajs 2.2.4 against the broker at ${BROKERS.join(',')}`, () => {
  const plainTopic = name('plain');
  const inTopic = name('tx-in');
  const outTopic = name('tx-out');

  afterAll(async () => {
    // Best effort: leave no test topics behind on a long-lived dev broker.
    if (
      !(await requireBroker().then(
        () => true,
        () => false,
      ))
    )
      return;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [plainTopic, inTopic, outTopic], timeout: 10_000 }).catch(() => {});
    } finally {
      await admin.disconnect();
    }
  });

  it('creates topics with the admin client', async () => {
    await requireBroker();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic: plainTopic, numPartitions: 1, replicationFactor: 1 },
          { topic: inTopic, numPartitions: 1, replicationFactor: 1 },
          { topic: outTopic, numPartitions: 2, replicationFactor: 1 },
        ],
      });
      expect(created).toBe(true);
      const topics = await admin.listTopics();
      expect(topics).toEqual(expect.arrayContaining([plainTopic, inTopic, outTopic]));
      const meta = await admin.fetchTopicMetadata({ topics: [outTopic] });
      expect(meta.topics[0]?.partitions).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });

  it('produces, consumes in a group, commits, and a second member resumes after the commit', async () => {
    await requireBroker();
    const group = name('group');
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const sent = await producer.send({
        topic: plainTopic,
        acks: -1,
        messages: [0, 1, 2, 3, 4].map((i) => ({ key: `k${i}`, value: `m${i}` })),
      });
      expect(sent[0]?.errorCode).toBe(0);
    } finally {
      await producer.disconnect();
    }

    // First member reads everything but commits only "processed up to m2" (next offset 3).
    const first = kafka.consumer({
      groupId: group,
      rebalanceTimeout: 10_000,
      sessionTimeout: 10_000,
    });
    try {
      const got = await consumeUntil(first, plainTopic, (r) => r.length >= 5);
      expect(got.map(text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      await first.commitOffsets([{ topic: plainTopic, partition: 0, offset: '3' }]);
    } finally {
      await first.disconnect();
    }

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [plainTopic] });
      expect(offsets[0]?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '3' })]);
      const ends = await admin.fetchTopicOffsets(plainTopic);
      expect(ends).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '5' })]);
      const described = await admin.describeGroups([group]);
      expect(described.groups[0]).toEqual(expect.objectContaining({ groupId: group, errorCode: 0 }));
    } finally {
      await admin.disconnect();
    }

    // Second member of the same group resumes at the committed offset, not at the beginning.
    const second = kafka.consumer({
      groupId: group,
      rebalanceTimeout: 10_000,
      sessionTimeout: 10_000,
    });
    try {
      const got = await consumeUntil(second, plainTopic, (r) => r.length >= 2);
      expect(got.map((p) => [p.message.offset, text(p)])).toEqual([
        ['3', 'm3'],
        ['4', 'm4'],
      ]);
    } finally {
      await second.disconnect();
    }
  });

  it('commits a transaction with sendOffsets and hides an aborted one from read_committed', async () => {
    await requireBroker();
    const txGroup = name('tx-group');
    const producer = kafka.producer({
      idempotent: true,
      transactionalId: name('txid'),
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      // Committed: two output messages and the input offset of the consumer group, atomically.
      const committed = await producer.transaction();
      try {
        await committed.send({
          topic: outTopic,
          compression: CompressionTypes.GZIP,
          messages: [
            { key: 'a', value: 'committed-1' },
            { key: 'b', value: 'committed-2' },
          ],
        });
        await committed.sendOffsets({
          consumerGroupId: txGroup,
          topics: [{ topic: inTopic, partitions: [{ partition: 0, offset: '2' }] }],
        });
        await committed.commit();
      } catch (err) {
        await committed.abort().catch(() => {});
        throw err;
      }

      // Aborted: written to the log, then rolled back.
      const aborted = await producer.transaction();
      await aborted.send({
        topic: outTopic,
        messages: [
          { key: 'a', value: 'aborted-1' },
          { key: 'b', value: 'aborted-2' },
        ],
      });
      await aborted.abort();

      // A last committed message marks the end of what the readers have to see.
      const last = await producer.transaction();
      await last.send({
        topic: outTopic,
        messages: [
          { key: 'a', value: 'end' },
          { key: 'b', value: 'end' },
        ],
      });
      await last.commit();
    } finally {
      await producer.disconnect();
    }

    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchOffsets({ groupId: txGroup, topics: [inTopic] });
      expect(offsets[0]?.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '2' })]);
    } finally {
      await admin.disconnect();
    }

    const endsSeen = (r: EachMessagePayload[]) => r.filter((p) => text(p) === 'end').length >= 2;

    const committedReader = kafka.consumer({ groupId: name('rc'), readUncommitted: false });
    try {
      const got = await consumeUntil(committedReader, outTopic, endsSeen);
      expect(got.map(text).sort()).toEqual(['committed-1', 'committed-2', 'end', 'end']);
    } finally {
      await committedReader.disconnect();
    }

    // Control: the aborted records really were written, and only isolation hides them.
    const uncommittedReader = kafka.consumer({ groupId: name('ru'), readUncommitted: true });
    try {
      const got = await consumeUntil(uncommittedReader, outTopic, endsSeen);
      expect(got.map(text).sort()).toEqual(['aborted-1', 'aborted-2', 'committed-1', 'committed-2', 'end', 'end']);
    } finally {
      await uncommittedReader.disconnect();
    }
  });
});
