/**
 * What targets add to the `chatstore` CLI, collected by registry name (decision 023): a target's
 * name (`agent`: `backfill agent`) or the fan-out its registry entries name (`tatlock`: the
 * Tatlock folder). src/cli/ reads this and nothing target-specific; test/targets/registry.test.ts
 * checks that every fan-out of the registry has its entry here.
 *
 * Kept apart from registry.ts, which drizzle-kit loads: these modules open databases.
 */
import { cli as agent } from './agent/cli';
import type { Backfill, FanOut, TargetCli } from './command';
import { isTargetName, type Target, type TargetName, targetNames, targets } from './registry';
import { cli as tatlock } from './tatlock/cli';

type Targets = typeof targets;

/** The fan-outs the registry's entries name (`fanOut: 'tatlock'`). */
export type FanOutName = {
  [K in TargetName]: Targets[K] extends { readonly fanOut: infer F extends string } ? F : never;
}[TargetName];

export const targetClis: { readonly [K in TargetName | FanOutName]?: TargetCli } = { agent, tatlock };

/** The fan-outs, by name: every `fanOut` of the registry. */
export const fanOuts: Readonly<Record<FanOutName, FanOut>> = { tatlock: tatlock.fanOut };

export function isFanOutName(name: string): name is FanOutName {
  return Object.hasOwn(fanOuts, name);
}

export const fanOutNames: readonly FanOutName[] = Object.keys(fanOuts).filter(isFanOutName);

/** The fan-out that covers `target`'s databases, if any. */
export function fanOutOf(target: string): FanOut | undefined {
  if (!isTargetName(target)) return undefined;
  const entry: Target = targets[target];
  return entry.fanOut !== undefined && isFanOutName(entry.fanOut) ? fanOuts[entry.fanOut] : undefined;
}

/** The targets with a `backfill`, in registry order. */
export const backfills: readonly { target: TargetName; backfill: Backfill }[] = targetNames.flatMap((target) => {
  const backfill = targetClis[target]?.backfill;
  return backfill === undefined ? [] : [{ target, backfill }];
});
