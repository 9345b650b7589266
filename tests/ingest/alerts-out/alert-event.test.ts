// An alert as it leaves ratel (ingest/src/alerts-out/alert-event.ts, topic.ts): the alert.v1 record
// of each kind, its Confluent wire bytes worked out by hand, and the Kafka messages (key, headers).
import { alertsOut } from '@ratel/ingest';
import { type Alert, alertId } from '@ratel/rater';
import { type AlertEvent, LOCAL_SCHEMA_IDS, localCodecs } from '@ratel/schemas';
import { describe, expect, it } from 'vitest';

const codec = localCodecs().alert;
const base: Alert = {
  kind: 'CREDIT_LIMIT',
  account_id: 'acc-1',
  user_id: 'u1',
  cdr_id: 'c9',
  month: 202503,
  at_ms: Date.parse('2025-03-10T10:00:00Z'),
  detail: 'usage 100010000 micros exceeds credit limit 100000000',
};

describe('alert.v1 records', () => {
  it('carry the id, the scope and what the switch may restrict, per kind (003 §11.2)', () => {
    const rows = (
      [
        ['CREDIT_LIMIT', 'ACCOUNT', 'OUTBOUND_CALLS'],
        ['USER_CREDIT_LIMIT', 'USER', 'OUTBOUND_CALLS'],
        ['PREMIUM_ATTEMPT', 'USER', 'PREMIUM_NUMBERS'],
        ['FAIR_USE', 'USER', 'NONE'],
        ['ROAMING_ABUSE', 'USER', 'NONE'],
      ] as const
    ).map(([kind, scope, may]) => {
      const a = { ...base, kind };
      const e = alertsOut.alertEvent(a, 1_741_600_000_123, 1_741_600_000_456);
      expect(e).toEqual({
        id: alertId(a),
        kind,
        scope,
        may_restrict: may,
        account_id: 'acc-1',
        user_id: 'u1',
        month: 202503,
        cdr_id: 'c9',
        at_ms: base.at_ms,
        cdr_timestamp_ms: 1_741_600_000_123,
        raised_at_ms: 1_741_600_000_456,
        detail: base.detail,
      });
      return e;
    });
    expect(new Set(rows.map((r) => r.id)).size).toBe(5);
  });

  it('a month-close alert has no CDR: cdr_id and cdr_timestamp_ms are null', () => {
    const e = alertsOut.alertEvent({ ...base, kind: 'ROAMING_ABUSE', cdr_id: '' }, null, 5);
    expect([e.cdr_id, e.cdr_timestamp_ms]).toEqual([null, null]);
  });

  it('encode to the bytes worked out by hand from the Avro spec, behind magic byte 0 and schema id 3', () => {
    const e: AlertEvent = {
      id: 'ab',
      kind: 'CREDIT_LIMIT',
      scope: 'ACCOUNT',
      may_restrict: 'OUTBOUND_CALLS',
      account_id: 'a1',
      user_id: 'u',
      month: 202503,
      cdr_id: 'c',
      at_ms: 1000,
      cdr_timestamp_ms: null,
      raised_at_ms: 1,
      detail: '',
    };
    const hand = [
      '00 00000003', // magic byte, schema id 3 (big-endian)
      '04 6162', // id: length 2 (zigzag 4), "ab"
      '00', // kind: symbol 0 CREDIT_LIMIT
      '00', // scope: symbol 0 ACCOUNT
      '02', // may_restrict: symbol 1 OUTBOUND_CALLS (zigzag 2)
      '04 6131', // account_id "a1"
      '02 75', // user_id "u"
      '8edc18', // month 202503: zigzag 405006 as a varint
      '02 02 63', // cdr_id: union branch 1 (string), "c"
      'd00f', // at_ms 1000: zigzag 2000
      '00', // cdr_timestamp_ms: union branch 0 (null)
      '02', // raised_at_ms 1
      '00', // detail ""
    ];
    const frame = codec.encode(e);
    expect(frame.toString('hex')).toBe(hand.join('').replace(/ /g, ''));
    expect(frame.readUInt32BE(1)).toBe(LOCAL_SCHEMA_IDS.alert);
    expect(codec.decode(frame)).toEqual(e);
  });

  it('go to Kafka keyed by account, with the id and kind in headers', () => {
    const e = alertsOut.alertEvent(base, null, 7);
    const [m] = alertsOut.alertMessages([e], codec);
    expect(m?.key).toBe('acc-1');
    expect(m?.headers).toEqual({ alert_id: e.id, kind: 'CREDIT_LIMIT' });
    expect(codec.decode(m?.value as Buffer)).toEqual(e);
  });

  it("crossingTimes: the Kafka timestamp of each alert's CDR in the batch, nothing for others", () => {
    const alerts = [
      base,
      { ...base, kind: 'FAIR_USE' as const, cdr_id: 'restored-elsewhere' },
      { ...base, kind: 'ROAMING_ABUSE' as const, cdr_id: '' },
    ];
    const times = alertsOut.crossingTimes(alerts, [1, -1, -1], (i) => 1000 + i);
    expect([...times]).toEqual([['c9', 1001]]);
    expect(alertsOut.crossingTimes([], [], () => 0).size).toBe(0);
  });
});
