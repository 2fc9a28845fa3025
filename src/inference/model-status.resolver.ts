import { Query, Resolver } from 'type-graphql';
import { type ModelProvider } from './ports.js';
import { ModelStatus } from '../embeddings/embedding.type.js';

@Resolver(() => ModelStatus)
export class ModelResolver {
  constructor(private readonly modelProvider: ModelProvider) {}

  @Query(() => [ModelStatus], {
    description: 'Every model of the manifest: configured, loaded, available or missing.',
  })
  models() {
    return this.modelProvider.statuses();
  }
}
