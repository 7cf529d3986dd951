/**
 * The base class of packages/db's typed errors, made for one stable `code` (a contract: classify by `instanceof`
 * or `code`, never by message text); `name` is the class's own and `cause` is carried.
 *
 * @example
 * export class TeamNotFoundError extends codedError('TEAM_NOT_FOUND') {
 *   constructor(readonly teamId: string) {
 *     super(`No team with id ${teamId}`);
 *   }
 * }
 */
export function codedError<const Code extends string>(code: Code) {
  return class CodedError extends Error {
    readonly code: Code = code;

    constructor(message: string, options?: ErrorOptions) {
      super(message, options);
      this.name = new.target.name;
    }
  };
}
