// Typed errors of team and API-key operations (classify by `instanceof` or `code`).

import { codedError } from '../coded-error.ts';

/** A team with this name exists already (team names are unique). */
export class TeamExistsError extends codedError('TEAM_EXISTS') {
  constructor(
    readonly teamName: string,
    options?: { cause?: unknown },
  ) {
    super(`A team named "${teamName}" exists already`, options);
  }
}

/** No team has this id. */
export class TeamNotFoundError extends codedError('TEAM_NOT_FOUND') {
  constructor(
    readonly teamId: string,
    options?: { cause?: unknown },
  ) {
    super(`No team with id ${teamId}`, options);
  }
}

/** A team name that is empty or too long. */
export class InvalidTeamNameError extends codedError('INVALID_TEAM_NAME') {}
