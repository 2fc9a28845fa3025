import { Arg, Extensions, Authorized, Int, Query, Resolver } from 'type-graphql';
import { Role } from '../auth/principal.js';
import { ImageInput } from '../imaging/image.input.js';
import { listComplexity, VECTOR_QUERY } from '../graphql/query-complexity.js';
import { ProductFilter } from '../catalogue/product.input.js';
import { ClassificationService } from './classification.service.js';
import { CategoryLabelInput, ClassificationReport, TextScore } from './classification.type.js';

@Resolver()
export class ClassificationResolver {
  constructor(private readonly classification: ClassificationService) {}

  @Authorized(Role.ANALYST)
  @Extensions(VECTOR_QUERY)
  @Query(() => ClassificationReport, {
    description:
      'Zero-shot classification of the catalogue by CLIP: per product the softmax over labels, with counts, accuracy and a confusion matrix where categories map to labels.',
    complexity: listComplexity('first', 100),
  })
  classifyProducts(
    @Arg('labels', () => [String]) labels: string[],
    @Arg('templates', () => [String], {
      nullable: true,
      description:
        'Prompt templates with {} for the label; several are averaged. Default ["a photo of a {}"].',
    })
    templates: string[] | null,
    @Arg('filter', () => ProductFilter, { nullable: true }) filter: ProductFilter | null,
    @Arg('categoryLabels', () => [CategoryLabelInput], {
      nullable: true,
      description:
        'Category → label for accuracy; without it a category counts when it equals a label (ignoring case).',
    })
    categoryLabels: CategoryLabelInput[] | null,
    @Arg('first', () => Int, { defaultValue: 100, description: 'Products listed individually, 0–1000.' })
    first: number,
  ) {
    return this.classification.classifyProducts({ labels, templates, filter, categoryLabels, first });
  }

  @Extensions(VECTOR_QUERY)
  @Query(() => [TextScore], {
    description:
      'How well each text describes a photo: CLIP cosine and softmax probability across the texts.',
  })
  imageTextScores(
    @Arg('image', () => ImageInput) image: ImageInput,
    @Arg('texts', () => [String]) texts: string[],
  ) {
    return this.classification.imageTextScores(image, texts);
  }
}
