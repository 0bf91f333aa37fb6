/**
 * The deterministic alert id: the same finding on the same input gives the same id whatever the
 * run, the worker or the number of redeliveries. It hashes what identifies the finding — phase,
 * kind, settlement and the finding's key — and nothing that depends on time of processing.
 */
import { createHash } from 'node:crypto';

export function alertId(phase: string, kind: string, setlId: string, findingKey: string): string {
  return createHash('sha256').update(`${phase}\u0000${kind}\u0000${setlId}\u0000${findingKey}`).digest('hex').slice(0, 32);
}
