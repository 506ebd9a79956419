// The doctor's one result shape and its two constructors, so every check module words pass/fail the same way.
import type { DoctorCheck } from '../../../common/protocol/views.js';
export type { DoctorCheck, DoctorReport } from '../../../common/protocol/views.js';

export function pass(id: string, title: string, detail: string): DoctorCheck {
  return { id, title, ok: true, detail, fix: '' };
}

export function fail(id: string, title: string, detail: string, fix: string): DoctorCheck {
  return { id, title, ok: false, detail, fix };
}

/** A check that could not run because the one it depends on failed: it fails too, and points there. */
export function blocked(id: string, title: string, by: DoctorCheck): DoctorCheck {
  return fail(id, title, `not checked: ${by.title.toLowerCase()} failed`, `Fix "${by.title}" first.`);
}
