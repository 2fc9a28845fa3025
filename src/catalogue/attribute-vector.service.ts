// Turns named attribute scores into the positional attribute vector and back. The axes are data
// (table attribute_axis); their order is the order of the vector's components.
import { ValidationError, type FieldProblem } from '../errors/domain-errors.js';
import { type AttributeScore } from './product.domain.js';
import { type AttributeAxis } from './attribute-axis.domain.js';
import { type AttributeAxisRepository } from './attribute-axis.repository.js';

export class AttributeVectorService {
  private axesCache: readonly AttributeAxis[] | null = null;

  constructor(private readonly axisRepository: AttributeAxisRepository) {}

  /** Loads the axes and checks they agree with the vector column; call once at start-up. */
  async load(): Promise<readonly AttributeAxis[]> {
    const axes = await this.axisRepository.findAll();
    const dimension = await this.axisRepository.vectorDimension();
    if (axes.length === 0) throw new Error('No attribute axes are defined (table attribute_axis is empty)');
    if (dimension !== axes.length) {
      throw new Error(
        `attribute_axis defines ${axes.length} axes but product.attribute_vector has dimension ${dimension}; ` +
          'a migration must change both together',
      );
    }
    this.axesCache = axes;
    return axes;
  }

  axes(): readonly AttributeAxis[] {
    if (!this.axesCache) throw new Error('AttributeVectorService.load() has not been called');
    return this.axesCache;
  }

  /** Named scores in axis order. */
  toScores(vector: readonly number[]): AttributeScore[] {
    return this.axes().map((axis, index) => ({ axis: axis.name, value: vector[index] ?? Number.NaN }));
  }

  /**
   * Validates named scores and returns them in axis order. With `base`, only the listed axes
   * change (an update); without it every axis must be given exactly once.
   */
  toVector(scores: readonly AttributeScore[], field: string, base?: readonly number[]): number[] {
    const axes = this.axes();
    const problems: FieldProblem[] = [];
    const vector: Array<number | undefined> = base ? [...base] : axes.map(() => undefined);
    const seen = new Set<string>();
    scores.forEach((score, index) => {
      const at = `${field}[${index}]`;
      const position = axes.findIndex((axis) => axis.name === score.axis);
      const axis = axes[position];
      if (!axis) {
        problems.push({
          field: `${at}.axis`,
          message: `unknown attribute axis ${JSON.stringify(score.axis)}; known axes: ${axes.map((a) => a.name).join(', ')}`,
        });
        return;
      }
      if (seen.has(score.axis)) {
        problems.push({ field: `${at}.axis`, message: `axis ${score.axis} is given more than once` });
        return;
      }
      seen.add(score.axis);
      if (!Number.isFinite(score.value)) {
        problems.push({ field: `${at}.value`, message: `score for ${score.axis} must be a finite number` });
      } else if (score.value < axis.minValue || score.value > axis.maxValue) {
        problems.push({
          field: `${at}.value`,
          message: `score for ${score.axis} must be between ${axis.minValue} and ${axis.maxValue}, got ${score.value}`,
        });
      }
      vector[position] = score.value;
    });
    const missing = axes.filter((_, position) => vector[position] === undefined).map((axis) => axis.name);
    if (missing.length > 0) {
      problems.push({ field, message: `missing score(s) for attribute axis: ${missing.join(', ')}` });
    }
    if (problems.length === 0 && vector.every((value) => value === 0)) {
      problems.push({
        field,
        message:
          'an attribute vector of all zeros has no direction, so cosine similarity is undefined for it',
      });
    }
    if (problems.length > 0) throw new ValidationError(problems);
    return vector as number[];
  }
}
