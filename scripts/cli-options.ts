/** Option parsers shared by the command lines (commander): a bad value is a usage error naming the rule. */
import { InvalidArgumentError } from '@commander-js/extra-typings';

/** A positive integer (counts, seconds, rates). */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer / 须为正整数');
  return n;
}

/** A finite number ≥ `min`. */
export const numberAtLeast =
  (min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`must be a number ≥ ${min} / 须为不小于 ${min} 的数`);
    return n;
  };
