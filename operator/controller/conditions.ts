/** metav1.Condition bookkeeping: lastTransitionTime moves only when the status does. */
import type { Condition } from '../api/gopackageowner.js';

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function setConditions(current: Condition[] | undefined, next: ConditionInput[], generation: number, now: Date): Condition[] {
  const byType = new Map((current ?? []).map((c) => [c.type, c]));
  return next.map((c) => {
    const previous = byType.get(c.type);
    const lastTransitionTime =
      previous && previous.status === c.status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...c, observedGeneration: generation, lastTransitionTime };
  });
}
