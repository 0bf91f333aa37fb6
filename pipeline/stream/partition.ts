/**
 * Partitioning. A settlement is published on `<prefix>.<admdvs>.<partition>`, where the partition
 * is a stable hash of `psn_no`. Every person-keyed history (visits, stays, supply) then lives in
 * one partition, so workers can split the load by consuming disjoint partition sets
 * (`<prefix>.*.<p>`), and a region can be consumed on its own (`<prefix>.<admdvs>.*`).
 */

/** FNV-1a 32-bit of a UTF-16 string: stable across processes, machines and languages' ports. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function personPartition(psnNo: string, partitions: number): number {
  return fnv1a32(psnNo) % partitions;
}

/** Subject of a settlement. Tokens that are not subject-safe are replaced (the schema makes admdvs 6 digits). */
export function settlementSubject(prefix: string, admdvs: string, psnNo: string, partitions: number): string {
  const region = /^[A-Za-z0-9_-]+$/.test(admdvs) ? admdvs : '_';
  return `${prefix}.${region}.${personPartition(psnNo, partitions)}`;
}
