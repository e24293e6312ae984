/**
 * One leader-election candidate as a process of its own, so a test can SIGKILL it: the
 * operator's LeaderElector on the Lease LEASE_NAMESPACE/LEASE_NAME as LEASE_IDENTITY,
 * with its clock skewed by CLOCK_SKEW_MS. It tells its parent over IPC whenever it starts
 * or stops leading.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { LeaderElector } from '../../operator/runtime/leader-election.js';

export interface CandidateMessage {
  identity: string;
  leading: boolean;
}

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const identity = env('LEASE_IDENTITY');
const skewMs = Number(process.env.CLOCK_SKEW_MS ?? '0');
const tell = (leading: boolean) => process.send?.({ identity, leading } satisfies CandidateMessage);
const kc = new KubeConfig();
kc.loadFromDefault();
const elector = new LeaderElector({
  kc,
  log: pino({ level: 'warn', base: { identity } }, pino.destination(2)),
  namespace: env('LEASE_NAMESPACE'),
  name: env('LEASE_NAME'),
  identity,
  now: () => Date.now() + skewMs,
  onLeading: () => tell(true),
  onLost: () => {
    tell(false);
    setTimeout(() => process.exit(1), 100); // let the message out first, as the operator exits
  },
});
elector.start();
process.on('disconnect', () => process.exit(0));
