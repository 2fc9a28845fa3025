// A shopper's taste from their history, at query time: the rule of how events count (type weights,
// recency) lives here, the SQL in ShopperProfileRepository. Used by recommendedForUser and by
// `like: [{ userToken }]` examples.
import { type FieldProblem, ValidationError } from '../errors/domain-errors.js';
import { type BehaviorVectorModel } from './behavior-model.domain.js';
import { type BehaviorModelService } from './behavior-model.service.js';
import { type ShopperProfile, type ShopperProfileRepository } from './shopper-profile.repository.js';

/** Events of a shopper that make their taste (the newest). */
const HISTORY_LIMIT = 500;
/** Most seen products a query excludes (the most recent). */
export const SEEN_LIMIT = 1000;
const MAX_USER_TOKEN_LENGTH = 200;

export interface ShopperSettings {
  readonly weights: Readonly<Record<string, number>>;
  /** An event this much older than the shopper's latest counts half (SHOPPER_HISTORY_HALF_LIFE_DAYS). */
  readonly halfLifeDays: number;
}

/** The one rule for a shopper id: 1–200 characters, not only white space. */
export function userTokenProblem(userToken: string, field: string): FieldProblem | null {
  if (userToken.trim().length === 0) return { field, message: 'must not be empty' };
  if (userToken.length > MAX_USER_TOKEN_LENGTH)
    return { field, message: `must be at most ${MAX_USER_TOKEN_LENGTH} characters, got ${userToken.length}` };
  return null;
}

export class ShopperProfileService {
  constructor(
    private readonly profiles: ShopperProfileRepository,
    private readonly behavior: BehaviorModelService,
    private readonly settings: ShopperSettings,
  ) {}

  /** The shopper's seen products and taste vectors (empty for an unknown shopper, never an error). */
  async profile(
    userToken: string,
    field = 'userToken',
  ): Promise<ShopperProfile & { behaviorModel: BehaviorVectorModel | null }> {
    const problem = userTokenProblem(userToken, field);
    if (problem) throw new ValidationError([problem]);
    const model = await this.behavior.activeModel();
    const profile = await this.profiles.profile({
      userToken,
      weights: this.settings.weights,
      halfLifeDays: this.settings.halfLifeDays,
      behaviorModelId: model?.modelId ?? null,
      historyLimit: HISTORY_LIMIT,
      seenLimit: SEEN_LIMIT,
    });
    return { ...profile, behaviorModel: model };
  }
}
