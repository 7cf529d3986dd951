import { prismaOf } from '../store/prisma-of.ts';
import type { Store } from '../store/store.ts';

/** A team as an operator sees it: name, id, age, and how much it holds. */
export interface TeamListing {
  id: string;
  name: string;
  createdAt: Date;
  /** Keys that still authenticate (neither revoked nor expired). */
  activeKeys: number;
  sweeps: number;
}

/** Every team in the database, oldest first. */
export async function listTeams(store: Store, now: Date = new Date()): Promise<TeamListing[]> {
  const db = prismaOf(store);
  const teams = await db.team.findMany({
    orderBy: [{ createdAt: 'asc' }, { name: 'asc' }],
    select: {
      id: true,
      name: true,
      createdAt: true,
      _count: {
        select: {
          sweeps: true,
          apiKeys: { where: { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } },
        },
      },
    },
  });
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    createdAt: t.createdAt,
    activeKeys: t._count.apiKeys,
    sweeps: t._count.sweeps,
  }));
}
