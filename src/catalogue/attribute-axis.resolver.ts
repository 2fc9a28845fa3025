import { Query, Resolver } from 'type-graphql';
import { AttributeVectorService } from './attribute-vector.service.js';
import { AttributeAxis } from './attribute-axis.type.js';

@Resolver(() => AttributeAxis)
export class AttributeAxisResolver {
  constructor(private readonly attributeVectors: AttributeVectorService) {}

  @Query(() => [AttributeAxis], { description: 'The attribute axes, in vector order.' })
  attributeAxes() {
    return this.attributeVectors.axes();
  }
}
