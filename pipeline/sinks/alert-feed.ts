/**
 * The live alert feed: every alert on `yb.alert.<phase>.<kind>` as its JSON record. The
 * `Nats-Msg-Id` header carries the `alert_id`, so the alert stream stores a redelivered alert once.
 */
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { alertSubject, type Alert } from '../contracts/alert.js';

export function publishAlerts(nc: NatsConnection, alerts: readonly Alert[]): void {
  for (const alert of alerts) {
    const h = headers();
    h.set('Nats-Msg-Id', alert.alert_id);
    nc.publish(alertSubject(alert), JSON.stringify(alert), { headers: h });
  }
}
