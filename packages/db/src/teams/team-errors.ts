// Typed errors of team and API-key operations (classify by `instanceof` or `code`).

/** A team with this name exists already (team names are unique). */
export class TeamExistsError extends Error {
  readonly code = 'TEAM_EXISTS';
  override readonly name = 'TeamExistsError';

  constructor(
    readonly teamName: string,
    options?: { cause?: unknown },
  ) {
    super(`A team named "${teamName}" exists already`, options);
  }
}

/** No team has this id. */
export class TeamNotFoundError extends Error {
  readonly code = 'TEAM_NOT_FOUND';
  override readonly name = 'TeamNotFoundError';

  constructor(
    readonly teamId: string,
    options?: { cause?: unknown },
  ) {
    super(`No team with id ${teamId}`, options);
  }
}

/** A team name that is empty or too long. */
export class InvalidTeamNameError extends Error {
  readonly code = 'INVALID_TEAM_NAME';
  override readonly name = 'InvalidTeamNameError';
}
