/** Alerts out (README "Alerts out"): to the alerts topic as alert.v1, and from it to a signed webhook. */
export { alertEvent } from './alert-event.js';
export { DEFAULT_TOLERANCE_S, SIGNATURE_HEADER, signatureHeader, signatureProblem, verifySignature } from './signature.js';
export {
  AlertsOut,
  type AlertsOutDeps,
  type AlertsProducer,
  alertMessages,
  alertsProducer,
  crossingTimes,
  produceAlerts,
} from './topic.js';
export {
  alertBody,
  backoffMs,
  type DeliveryHooks,
  deliver,
  type ForwarderDeps,
  type PostOutcome,
  postAlert,
  startWebhookForwarder,
  type WebhookForwarder,
  type WebhookSettings,
} from './webhook.js';
