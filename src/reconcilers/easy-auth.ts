/**
 * Easy Auth (Microsoft.Web/sites/config/authsettingsV2, REST WebApps_GetAuthSettingsV2 / WebApps_UpdateAuthSettingsV2,
 * api-version 2025-05-01): PUT replaces the whole document and carries no ETag, so the merge goes into a re-read
 * right before the PUT, the PUT is guarded against that re-read and the first read, and only the read-back counts
 * (a PUT can answer 200 and still drop a provider: field case C06).
 */
import type { ArmPort, Json } from '../ports.js';
import { EASY_AUTH_PATHS, verifyEasyAuthReadBack } from '../resources/easy-auth.js';
import type { Write } from '../types.js';
import { guardEasyAuthWrite } from '../write-guard.js';
import type { Reconciler } from './contract.js';

type EasyAuthWrite = Extract<Write, { op: 'put-authsettings-v2' }>;

const OWNED: readonly string[] = Object.values(EASY_AUTH_PATHS);

/** The Easy Auth reconciler (see Reconciler). */
export const easyAuthReconciler: Reconciler<EasyAuthWrite> = {
  kind: 'easy-auth',
  async observe(arm: ArmPort) {
    const [site, authSettingsV2, authSettingsV1] = await Promise.all([
      arm.getSite().then((r) => r.body),
      arm.getAuthSettingsV2(),
      arm.getAuthSettingsV1()
    ]);
    return { site, authSettingsV2, authSettingsV1 };
  },
  async refresh(_arm, rp, rederive) {
    const again = await rederive(rp);
    return { fresh: again.before, plan: again.plan };
  },
  guard(w, fresh, basis) {
    // Every path the action owns (EASY_AUTH_PATHS), not only the ones this write changes: e.g. an explicit empty
    // caller list is dropped by the planner (it would deny everyone) without being a change of its own.
    const sinceFirst = guardEasyAuthWrite(basis.easyAuth, w.body, OWNED).map(
      (p) => `${p} (differs from the first read: changed during the run, re-run)`
    );
    return [...new Set([...guardEasyAuthWrite(fresh, w.body, OWNED), ...sinceFirst])];
  },
  async write(arm, w) {
    return arm.putAuthSettingsV2(w.body);
  },
  async readBack(arm) {
    return arm.getAuthSettingsV2();
  },
  verify(after, w, fresh) {
    const problems = verifyEasyAuthReadBack(fresh, w.body, after as Json, [...OWNED]);
    return {
      problems: problems.length ? [`Easy Auth read-back differs from what was written: ${problems.join('; ')}`] : [],
      detail: `changed ${w.ownedPaths.length} owned path(s); read back verified`
    };
  }
};
