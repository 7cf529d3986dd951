/**
 * Why a teacher artifact cannot be used: its folder is outside the data roots (`outside`), a file is missing
 * or unreadable (`missing`), or malformed or too large (`invalid`). Messages name the file (escaped) and the
 * rule, never file bytes.
 */
export type TeacherArtifactProblem = 'outside' | 'missing' | 'invalid';

export class TeacherArtifactError extends Error {
  override readonly name = 'TeacherArtifactError';
  constructor(
    readonly problem: TeacherArtifactProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
