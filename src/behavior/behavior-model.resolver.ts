import { Authorized, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/principal.js';
import { BehaviorModelService } from './behavior-model.service.js';
import { BehaviorModelStatus } from './behavior-model.type.js';

@Resolver()
export class BehaviorModelResolver {
  constructor(private readonly behaviorModelService: BehaviorModelService) {}

  @Query(() => BehaviorModelStatus, { description: 'Training state and figures of the BEHAVIOR space.' })
  behaviorModelStatus() {
    return this.behaviorModelService.status();
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => BehaviorModelStatus, {
    description:
      'Queues a training of the BEHAVIOR space from the interaction log and returns at once (nothing new is queued while one is queued or running). Poll behaviorModelStatus.',
  })
  trainBehaviorModel() {
    return this.behaviorModelService.train();
  }
}
