import { type PlannedRun, TEACHER_KEY } from '@distillery/spec';

/**
 * The plan of a sweep whose teacher is an existing run (found by hash): the sweep's own teacher run is dropped
 * and the runs that waited for it wait for `teacherRunId` instead.
 */
export function reuseTeacher(planned: readonly PlannedRun[], teacherRunId: string): PlannedRun[] {
  return planned
    .filter((r) => r.key !== TEACHER_KEY)
    .map((r) => (r.parentKey === TEACHER_KEY ? { ...r, parentKey: null, parentRunId: teacherRunId } : r));
}
