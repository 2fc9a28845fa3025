import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  buildTestCnnModel,
  encodeModel,
  floatTensor,
  IMAGE_SIZE,
  int64Tensor,
  maxAbsDifference,
  node,
  seededRandom,
  SHARED_MOBILENET_PATH,
  syntheticImageBatch,
  sharedMobileNetAvailable,
  tensorInfo,
  tensorValues,
  TEST_CNN_CLASSES,
  TEST_CNN_EMBEDDING_DIMENSION,
  TEST_CNN_FEATURES,
  testCnnReferenceFeatures,
  testCnnWeights,
  uint8Tensor,
  uniformWeights,
} from '../../test/support/onnx-fixtures.js';
import { onnx } from './onnx-proto.js';
import { exposePenultimateOutput } from './penultimate-layer.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

async function run(model: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const session = await InferenceSession.create(model, { intraOpNumThreads: 1 });
  try {
    const outputs = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(outputs).map(([name, tensor]) => [name, tensor.data as Float32Array]),
    );
  } finally {
    await session.release();
  }
}

async function outputDims(
  model: Uint8Array,
  feeds: Record<string, Tensor>,
  name: string,
): Promise<readonly number[]> {
  const session = await InferenceSession.create(model, { intraOpNumThreads: 1 });
  try {
    return (await session.run(feeds, [name]))[name]?.dims ?? [];
  } finally {
    await session.release();
  }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  expect(maxAbsDifference(actual, expected)).toBeLessThanOrEqual(tolerance);
}

describe('exposePenultimateOutput on a float Flatten → Gemm classifier (torchvision ResNet style)', () => {
  const weights = testCnnWeights();
  const original = buildTestCnnModel(weights);
  const images = syntheticImageBatch(2);
  const feeds = (): Record<string, Tensor> => ({
    input: new Tensor('float32', images, [2, 3, IMAGE_SIZE, IMAGE_SIZE]),
  });

  it('exposes the Gemm input as a float32 [N, D] output whose values are the pooled features', async () => {
    const edited = exposePenultimateOutput(original, 'output');
    expect(edited.embeddingOutput).toBe(TEST_CNN_FEATURES);
    expect(edited.dimension).toBe(TEST_CNN_EMBEDDING_DIMENSION);
    expect(edited.classifierNode).toBe('Gemm_output');

    expect(await outputDims(edited.model, feeds(), edited.embeddingOutput)).toEqual([
      2,
      TEST_CNN_EMBEDDING_DIMENSION,
    ]);
    const outputs = await run(edited.model, feeds());
    const expected = testCnnReferenceFeatures(weights, images, 2);
    expect(Math.max(...expected)).toBeGreaterThan(0.05); // the reference is not trivially zero
    expectClose(outputs[edited.embeddingOutput] ?? [], expected, 1e-4);
  });

  it('keeps the logits output, equal to the unedited model and to fc · features + bias', async () => {
    const edited = exposePenultimateOutput(original, 'output');
    const [before, after] = [await run(original, feeds()), await run(edited.model, feeds())];
    expect(Object.keys(before)).toEqual(['output']);
    expect(Object.keys(after).sort()).toEqual(['features', 'output']);
    expectClose(after.output ?? [], before.output ?? [], 1e-5);

    const features = after.features ?? new Float32Array();
    const D = TEST_CNN_EMBEDDING_DIMENSION;
    const logits = Array.from({ length: 2 * TEST_CNN_CLASSES }, (_, index) => {
      const [n, k] = [Math.floor(index / TEST_CNN_CLASSES), index % TEST_CNN_CLASSES];
      let sum = weights.fcBias[k] ?? 0;
      for (let d = 0; d < D; d++) sum += (weights.fc[k * D + d] ?? 0) * (features[n * D + d] ?? 0);
      return sum;
    });
    expectClose(after.output ?? [], logits, 1e-4);
  });

  it('is deterministic: the same model and output give the same bytes', () => {
    const first = exposePenultimateOutput(original, 'output').model;
    const second = exposePenultimateOutput(original, 'output').model;
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(true);
    expect(first.byteLength).toBeGreaterThan(original.byteLength);
  });
});

describe('exposePenultimateOutput on other classifier shapes', () => {
  it('walks back through Softmax and a bias Add to a MatMul', async () => {
    const random = seededRandom(11);
    const model = encodeModel({
      name: 'matmul-add-softmax',
      input: [tensorInfo('x', FLOAT, ['N', 16])],
      output: [tensorInfo('probabilities', FLOAT, ['N', 5])],
      initializer: [
        floatTensor('W', [16, 5], uniformWeights(random, 80, 1)),
        floatTensor('b', [5], uniformWeights(random, 5, 1)),
      ],
      node: [
        node('Relu', ['x'], ['hidden']),
        node('MatMul', ['hidden', 'W'], ['scores']),
        node('Add', ['b', 'scores'], ['logits']), // bias first: the walk must pick the non-constant operand
        node('Softmax', ['logits'], ['probabilities'], { axis: 1 }),
      ],
    });
    const edited = exposePenultimateOutput(model, 'probabilities');
    expect(edited).toMatchObject({ embeddingOutput: 'hidden', dimension: 16 });

    const x = uniformWeights(random, 3 * 16, 2);
    const outputs = await run(edited.model, { x: new Tensor('float32', x, [3, 16]) });
    expect(outputs.hidden).toEqual(x.map((value) => Math.max(0, value)));
    const probabilities = outputs.probabilities ?? new Float32Array();
    expect(
      probabilities[0]! + probabilities[1]! + probabilities[2]! + probabilities[3]! + probabilities[4]!,
    ).toBeCloseTo(1, 5);
  });

  it('dequantizes and flattens a QLinearMatMul data input (MobileNetV2-int8 style)', async () => {
    // x [N,6,1,1] → QuantizeLinear → Reshape [N,6] → QLinearMatMul → DequantizeLinear → logits
    const scale = 0.05;
    const zeroPoint = 128;
    const model = encodeModel({
      name: 'qlinear-matmul',
      input: [tensorInfo('x', FLOAT, ['batch_size', 6, 1, 1])],
      output: [tensorInfo('logits', FLOAT, ['batch_size', 3])],
      initializer: [
        floatTensor('x_scale', [], Float32Array.of(scale)),
        uint8Tensor('x_zero_point', [], [zeroPoint]),
        int64Tensor('flat_shape', [2], [0, -1]),
        uint8Tensor(
          'W_quantized',
          [6, 3],
          [140, 120, 128, 100, 160, 130, 128, 128, 200, 90, 135, 128, 170, 110, 125, 128, 128, 128],
        ),
        floatTensor('W_scale', [], Float32Array.of(0.02)),
        uint8Tensor('W_zero_point', [], [128]),
        floatTensor('y_scale', [], Float32Array.of(0.1)),
        uint8Tensor('y_zero_point', [], [128]),
      ],
      node: [
        node('QuantizeLinear', ['x', 'x_scale', 'x_zero_point'], ['x_quantized']),
        node('Reshape', ['x_quantized', 'flat_shape'], ['flat_quantized']),
        node(
          'QLinearMatMul',
          [
            'flat_quantized',
            'x_scale',
            'x_zero_point',
            'W_quantized',
            'W_scale',
            'W_zero_point',
            'y_scale',
            'y_zero_point',
          ],
          ['logits_quantized'],
        ),
        node('DequantizeLinear', ['logits_quantized', 'y_scale', 'y_zero_point'], ['logits']),
      ],
    });
    const edited = exposePenultimateOutput(model, 'logits');
    expect(edited.dimension).toBe(6);
    expect(edited.embeddingOutput).toBe('penultimate_embedding');

    // Away from rounding ties and inside the uint8 range, except the last two which saturate.
    const x = Float32Array.of(0.31, -0.52, 1.04, 0, -2.2, 5.01, 0.12, 0.77, -1.33, 2.46, 9, -9);
    const feeds = { x: new Tensor('float32', x, [2, 6, 1, 1]) };
    expect(await outputDims(edited.model, feeds, edited.embeddingOutput)).toEqual([2, 6]);
    const outputs = await run(edited.model, feeds);
    const expected = Array.from(
      x,
      (value) => (Math.min(255, Math.max(0, Math.round(value / scale) + zeroPoint)) - zeroPoint) * scale,
    );
    expectClose(outputs[edited.embeddingOutput] ?? [], expected, 1e-6);
    expectClose(outputs.logits ?? [], (await run(model, feeds)).logits ?? [], 0);
  });

  it('throws a clear error when there is no classifier behind the output', () => {
    const model = encodeModel({
      name: 'no-classifier',
      input: [tensorInfo('x', FLOAT, ['N', 3, 4, 4])],
      output: [tensorInfo('probabilities', FLOAT, ['N', 3])],
      node: [
        node('GlobalAveragePool', ['x'], ['pooled']),
        node('Flatten', ['pooled'], ['flat'], { axis: 1 }),
        node('Softmax', ['flat'], ['probabilities'], { axis: 1 }),
      ],
    });
    expect(() => exposePenultimateOutput(model, 'probabilities')).toThrow(
      /No final classifier .* behind output "probabilities": stopped at GlobalAveragePool node .*walked back through Softmax ← Flatten/,
    );
  });

  it('throws when the named output does not exist, listing the outputs', () => {
    expect(() => exposePenultimateOutput(buildTestCnnModel(), 'logits')).toThrow(
      'The ONNX model has no output "logits"; its outputs are: output',
    );
  });

  it('does not follow an Add of two computed tensors (a residual, not a bias)', () => {
    const random = seededRandom(5);
    const model = encodeModel({
      name: 'residual',
      input: [tensorInfo('x', FLOAT, ['N', 4])],
      output: [tensorInfo('sum', FLOAT, ['N', 2])],
      initializer: [floatTensor('W', [4, 2], uniformWeights(random, 8, 1))],
      node: [node('MatMul', ['x', 'W'], ['a']), node('Relu', ['a'], ['b']), node('Add', ['a', 'b'], ['sum'])],
    });
    expect(() => exposePenultimateOutput(model, 'sum')).toThrow(
      /Add node .* has no single non-constant input to follow/,
    );
  });
});

if (!sharedMobileNetAvailable)
  console.warn(`Skipping the MobileNetV2-int8 tests: ${SHARED_MOBILENET_PATH} is missing`);

describe.skipIf(!sharedMobileNetAvailable)('exposePenultimateOutput on the shared MobileNetV2-int8', () => {
  const original = sharedMobileNetAvailable ? readFileSync(SHARED_MOBILENET_PATH) : Buffer.alloc(0);
  const images = syntheticImageBatch(2);
  const feeds = (): Record<string, Tensor> => ({
    input: new Tensor('float32', images, [2, 3, IMAGE_SIZE, IMAGE_SIZE]),
  });

  it('finds the QLinearMatMul and exposes the dequantized 1280-d pooled features', async () => {
    const edited = exposePenultimateOutput(original, 'output');
    expect(edited).toMatchObject({ dimension: 1280, classifierNode: 'Gemm_104_MatMul_quant' });
    expect(await outputDims(edited.model, feeds(), edited.embeddingOutput)).toEqual([2, 1280]);

    const outputs = await run(edited.model, feeds());
    const embedding = outputs[edited.embeddingOutput] ?? new Float32Array();
    const model = onnx.ModelProto.decode(original);
    const initializer = (name: string): number[] =>
      tensorValues(model.graph?.initializer?.find((tensor) => tensor.name === name) ?? {});
    const [scale = Number.NaN] = initializer('464_scale');
    expect(initializer('464_zero_point')).toEqual([0]);
    // Post-ReLU6 pooled features, dequantized: non-negative, at most 255 steps of the pooled scale.
    expect(Math.min(...embedding)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...embedding)).toBeLessThanOrEqual(255 * scale + 1e-6);
    const steps = Array.from(embedding, (value) => value / scale);
    expectClose(steps, steps.map(Math.round), 1e-3);
    // The two images differ, so their embeddings do.
    expect(embedding.subarray(0, 1280)).not.toEqual(embedding.subarray(1280));
  });

  it('leaves the logits unchanged and they follow from the exposed features through the classifier', async () => {
    const edited = exposePenultimateOutput(original, 'output');
    const before = (await run(original, feeds())).output ?? new Float32Array();
    const after = await run(edited.model, feeds());
    expect(after.output).toEqual(before);

    // Float recomputation of the quantized classifier from the exposed features: equal up to the
    // requantization steps of QLinearMatMul and QLinearAdd (scales ≈ 0.16 each; measured worst 0.156).
    const model = onnx.ModelProto.decode(original);
    const initializer = (name: string): number[] =>
      tensorValues(model.graph?.initializer?.find((tensor) => tensor.name === name) ?? {});
    const weights = initializer('classifier.1.weight_quantized'); // [1280, 1000] int8, per-column scale
    const weightScale = initializer('classifier.1.weight_scale');
    const weightZero = initializer('classifier.1.weight_zero_point');
    const bias = initializer('classifier.1.bias_quantized');
    const [biasScale = 0] = initializer('classifier.1.bias_scale');
    const [biasZero = 0] = initializer('classifier.1.bias_zero_point');
    const features = after[edited.embeddingOutput] ?? new Float32Array();
    const recomputed = Array.from({ length: 2 * 1000 }, (_, index) => {
      const [n, k] = [Math.floor(index / 1000), index % 1000];
      let sum = ((bias[k] ?? 0) - biasZero) * biasScale;
      for (let d = 0; d < 1280; d++) {
        sum +=
          (features[n * 1280 + d] ?? 0) *
          ((weights[d * 1000 + k] ?? 0) - (weightZero[k] ?? 0)) *
          (weightScale[k] ?? 0);
      }
      return sum;
    });
    expectClose(before, recomputed, 0.35);
  });
});
