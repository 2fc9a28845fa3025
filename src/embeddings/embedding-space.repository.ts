import { type PrismaClient } from '../generated/prisma/client.js';
import { type ImageSpace } from '../inference/ports.js';

export interface SpaceState {
  readonly space: ImageSpace;
  readonly activeModelId: string | null;
  readonly targetModelId: string | null;
  readonly reembeddingStartedAt: Date | null;
  readonly reembeddingError: string | null;
}

/** Which model's vectors serve each space (and which one is being computed to replace it). */
export class EmbeddingSpaceRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async get(space: ImageSpace): Promise<SpaceState> {
    const row = await this.prisma.embeddingSpaceState.findUnique({ where: { space } });
    return {
      space,
      activeModelId: row?.activeModelId ?? null,
      targetModelId: row?.targetModelId ?? null,
      reembeddingStartedAt: row?.reembeddingStartedAt ?? null,
      reembeddingError: row?.reembeddingError ?? null,
    };
  }

  async set(space: ImageSpace, state: Partial<Omit<SpaceState, 'space'>>): Promise<void> {
    await this.prisma.embeddingSpaceState.upsert({
      where: { space },
      create: { space, ...state },
      update: state,
    });
  }
}
