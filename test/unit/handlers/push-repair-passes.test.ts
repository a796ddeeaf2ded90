import { PASS_TIMING, runRepairPasses } from '../../../lambdas/handlers/push-repair/passes';
import type { RepairReport } from '../../../lambdas/handlers/push-repair/repair';

const nothing: RepairReport = {
  synced: 0,
  deferred: 0,
  restarted: [],
  removedStray: 0,
  confirmed: 0,
  collected: 0,
  resolved: 0,
  unreachable: [],
  stillOwed: 0,
  writeFailures: 0,
};
const report = (over: Partial<RepairReport>): RepairReport => ({ ...nothing, ...over });

/** A Lambda context whose remaining time is read from `left`, one value per check. */
function contextWith(left: number[]) {
  return { getRemainingTimeInMillis: () => left.shift() ?? 0 };
}

describe('runRepairPasses (one scheduled push-repair invocation)', () => {
  // The Lambda's reserve, passes 10 ms apart instead of 2 s.
  const timing = { ...PASS_TIMING, passIntervalMs: 10 };
  const quiet = { info: () => undefined };

  it('runs passes until 15 s are left, adds the reports up, logs the total; one unreachable pass is not a failure', async () => {
    const reports = [
      report({ synced: 3, restarted: ['pushgateway-1'], confirmed: 5, unreachable: ['pushgateway-1'] }),
      report({ synced: 1, deferred: 2, collected: 1, resolved: 1 }),
    ];
    const repair = jest.fn(async () => reports.shift() ?? report({}));
    const logged: unknown[] = [];
    const log = { info: (message: string, ...extra: Record<string, unknown>[]) => logged.push([message, ...extra]) };
    const total = await runRepairPasses(repair, contextWith([60_000, 40_000, 14_999]), log, timing);
    expect(repair).toHaveBeenCalledTimes(2);
    expect(total).toEqual({
      passes: 2,
      synced: 4,
      deferred: 2,
      restarted: ['pushgateway-1'],
      removedStray: 0,
      confirmed: 5,
      collected: 1,
      resolved: 1,
      unreachable: [],
    });
    expect(logged).toEqual([['repair passes done', total]]);
  });

  it('stops starting passes after 45 s of running, though the 70 s timeout leaves more: done before the next minute', async () => {
    const repair = jest.fn(async () => report({}));
    // 69 s left at the start; 46 s later 23 s are still left, above the 15 s reserve.
    const total = await runRepairPasses(repair, contextWith([69_000, 50_000, 23_000, 20_000]), quiet, timing);
    expect(total.passes).toBe(2);
    expect(PASS_TIMING.maxRunMs + 10_000).toBeLessThan(60_000);
  });

  it('fails the invocation when a replica stayed unreachable in every pass, naming it', async () => {
    const repair = async () => report({ unreachable: ['pushgateway-0'] });
    await expect(runRepairPasses(repair, contextWith([60_000, 40_000, 0]), quiet, timing)).rejects.toThrow(
      'Pushgateway replicas unreachable for a whole repair invocation: pushgateway-0',
    );
  });
});
