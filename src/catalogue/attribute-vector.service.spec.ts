import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/domain-errors.js';
import { type AttributeAxisRepository } from './attribute-axis.repository.js';
import { AttributeVectorService } from './attribute-vector.service.js';

const axes = [
  { name: 'value_for_money', position: 0, description: '', minValue: 0, maxValue: 99 },
  { name: 'customer_satisfaction', position: 1, description: '', minValue: 0, maxValue: 99 },
  { name: 'environmental_friendliness', position: 2, description: '', minValue: 0, maxValue: 99 },
];

async function service(dimension = 3): Promise<AttributeVectorService> {
  const repository = {
    findAll: () => Promise.resolve(axes),
    vectorDimension: () => Promise.resolve(dimension),
  };
  const vectors = new AttributeVectorService(repository as unknown as AttributeAxisRepository);
  await vectors.load();
  return vectors;
}

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('AttributeVectorService', () => {
  it('orders named scores by axis position, whatever order they come in', async () => {
    const vectors = await service();
    expect(
      vectors.toVector(
        [
          { axis: 'environmental_friendliness', value: 40 },
          { axis: 'value_for_money', value: 20 },
          { axis: 'customer_satisfaction', value: 30 },
        ],
        'a',
      ),
    ).toEqual([20, 30, 40]);
    expect(vectors.toScores([20, 30, 40]).map((s) => s.axis)).toEqual(axes.map((a) => a.name));
  });

  it('merges a partial update over the current vector', async () => {
    const vectors = await service();
    expect(vectors.toVector([{ axis: 'customer_satisfaction', value: 99 }], 'a', [1, 2, 3])).toEqual([
      1, 99, 3,
    ]);
  });

  it('reports every problem with its path', async () => {
    const vectors = await service();
    const problems = problemsOf(() =>
      vectors.toVector(
        [
          { axis: 'value_for_money', value: Number.NaN },
          { axis: 'nope', value: 1 },
          { axis: 'value_for_money', value: 3 },
          { axis: 'customer_satisfaction', value: 99.01 },
        ],
        'input.attributes',
      ),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'input.attributes[0].value',
      'input.attributes[1].axis',
      'input.attributes[2].axis',
      'input.attributes[3].value',
      'input.attributes',
    ]);
    expect(problems[4]!.message).toContain('environmental_friendliness');
  });

  it('refuses to start when the axes and the vector column disagree', async () => {
    await expect(service(4)).rejects.toThrow(/3 axes but product.attribute_vector has dimension 4/);
  });
});
