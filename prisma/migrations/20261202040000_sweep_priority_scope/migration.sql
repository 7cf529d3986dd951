-- Whose runs a sweep's priority ranks against: its own team's ('team', any member's sweep) or every team's
-- ('global', a sweep an admin key submitted). Existing sweeps rank within their team: nothing recorded who
-- submitted them, and a member's priority must not outrank other teams.
ALTER TABLE "sweeps" ADD COLUMN "priority_scope" TEXT NOT NULL DEFAULT 'team';
