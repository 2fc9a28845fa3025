import { Query, Resolver } from 'type-graphql';
import { type ModelProvider } from './ports.js';
import { ModelStatus } from './model-status.type.js';

@Resolver(() => ModelStatus)
export class ModelStatusResolver {
  constructor(private readonly modelProvider: ModelProvider) {}

  @Query(() => [ModelStatus], {
    description: 'Every model of the manifest: configured, loaded, available or missing.',
  })
  models() {
    return this.modelProvider.statuses();
  }
}
