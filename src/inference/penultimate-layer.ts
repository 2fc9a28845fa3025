// "All layers but the last": an ImageNet classifier's image embedding is the input of its final
// classifier. Instead of a per-model node name, we find that input in the ONNX graph itself by
// walking back from the logits output, and add it as an extra graph output, so one session.run
// yields the logits and the embedding and the original outputs stay untouched.
import { int64ToNumber, onnx } from './onnx-proto.js';

export interface PenultimateModel {
  /** The re-encoded model: the original graph plus one float32 [N, D] graph output. */
  model: Uint8Array;
  /** Name of the added graph output (or of the existing one, when the features already were an output). */
  embeddingOutput: string;
  /** D, when the classifier's weights make it known. */
  dimension: number | null;
  /** The node taken as the final classifier, for logs. */
  classifierNode: string;
}

const { DataType } = onnx.TensorProto;

/** Trailing ops whose data input is input 0 and which do not change which features are used. */
const PASS_THROUGH_OPS = new Set([
  'Identity',
  'Dropout',
  'Softmax',
  'LogSoftmax',
  'Sigmoid',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'Cast',
  'QuantizeLinear',
  'DequantizeLinear',
]);
/** A bias or a scale: followed through when one operand is constant. */
const CONSTANT_OPERAND_OPS = new Set(['Add', 'Sub', 'Mul', 'Div']);
/** com.microsoft quantized element-wise ops: inputs a, a_scale, a_zero_point, b, b_scale, b_zero_point, … */
const QUANTIZED_CONSTANT_OPERAND_OPS = new Set(['QLinearAdd', 'QLinearMul']);
const FLOAT_CLASSIFIER_OPS = new Set(['Gemm', 'MatMul']);
/** Inputs a, a_scale, a_zero_point, b, b_scale, b_zero_point, … (QGemm is com.microsoft). */
const QUANTIZED_CLASSIFIER_OPS = new Set(['QLinearMatMul', 'QGemm']);
/** Ops through which a constant's shape is unchanged, to read a QDQ model's weight dimensions. */
const SHAPE_PRESERVING_OPS = new Set(['DequantizeLinear', 'Identity', 'Cast']);
const FLOAT_TYPES: ReadonlySet<onnx.TensorProto.DataType> = new Set([
  DataType.FLOAT16,
  DataType.DOUBLE,
  DataType.BFLOAT16,
]);
const MAX_TRAILING_OPS = 32;

interface ClassifierMatch {
  node: onnx.INodeProto;
  /** The features tensor: the classifier's data input. */
  features: string;
  /** Scale and zero point of `features` when it is quantized. */
  quantization: { scale: string; zeroPoint: string } | null;
  dimension: number | null;
}

/**
 * Decodes `modelBytes`, finds the final classifier (`Gemm`, `MatMul`, `QLinearMatMul`, `QGemm`)
 * behind the graph output `classifierOutput`, and adds its data input as a float32 [N, D] graph
 * output (dequantized and flattened when it is a quantized tensor). Throws when the graph output
 * does not exist or no classifier is found behind it.
 */
export function exposePenultimateOutput(modelBytes: Uint8Array, classifierOutput: string): PenultimateModel {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw new Error('The ONNX model has no graph');
  const outputNames = (graph.output ?? []).map((output) => output.name ?? '');
  const logits = (graph.output ?? []).find((output) => output.name === classifierOutput);
  if (!logits) {
    throw new Error(
      `The ONNX model has no output ${JSON.stringify(classifierOutput)}; its outputs are: ${outputNames.join(', ')}`,
    );
  }

  const index = new GraphIndex(graph);
  const match = findClassifier(index, classifierOutput);
  const embeddingOutput = exposeFeatures(graph, index, match, batchDimension(logits));
  return {
    model: onnx.ModelProto.encode(model).finish(),
    embeddingOutput,
    dimension: match.dimension,
    classifierNode: match.node.name || match.node.opType || '?',
  };
}

/** Lookups over one graph: producers, constants, declared types, and names in use. */
class GraphIndex {
  private readonly producers = new Map<string, onnx.INodeProto>();
  private readonly initializers = new Map<string, onnx.ITensorProto>();
  private readonly declared = new Map<string, onnx.IValueInfoProto>();
  private readonly constantCache = new Map<string, boolean>();
  private readonly usedNames = new Set<string>();

  constructor(private readonly graph: onnx.IGraphProto) {
    for (const tensor of graph.initializer ?? []) this.initializers.set(tensor.name ?? '', tensor);
    for (const info of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
      this.declared.set(info.name ?? '', info);
    }
    for (const node of graph.node ?? []) {
      for (const output of node.output ?? []) this.producers.set(output, node);
      for (const name of [...(node.input ?? []), ...(node.output ?? []), node.name ?? ''])
        this.usedNames.add(name);
    }
    for (const name of [...this.initializers.keys(), ...this.declared.keys()]) this.usedNames.add(name);
  }

  producer(tensor: string): onnx.INodeProto | undefined {
    return this.producers.get(tensor);
  }

  isGraphInput(tensor: string): boolean {
    return (this.graph.input ?? []).some((input) => input.name === tensor);
  }

  isGraphOutput(tensor: string): boolean {
    return (this.graph.output ?? []).some((output) => output.name === tensor);
  }

  /** An initializer, a Constant node's output, or computed only from those (e.g. a QDQ weight). */
  isConstant(tensor: string): boolean {
    const cached = this.constantCache.get(tensor);
    if (cached !== undefined) return cached;
    this.constantCache.set(tensor, false); // guards against cycles in malformed graphs
    let constant = false;
    if (this.initializers.has(tensor)) {
      // IR < 4 lists initializers among the graph inputs too; those may be overridden at run time,
      // but classifier weights never are.
      constant = true;
    } else {
      const node = this.producers.get(tensor);
      if (node) {
        const inputs = (node.input ?? []).filter((input) => input !== '');
        constant =
          node.opType === 'Constant' ||
          (inputs.length > 0 && inputs.every((input) => this.isConstant(input)));
      }
    }
    this.constantCache.set(tensor, constant);
    return constant;
  }

  /** Dimensions of a constant weight, seen through DequantizeLinear/Identity/Cast. */
  constantDims(tensor: string): number[] | null {
    const initializer = this.initializers.get(tensor);
    if (initializer) return (initializer.dims ?? []).map((dim) => int64ToNumber(dim));
    const node = this.producers.get(tensor);
    const source = node?.input?.[0];
    if (node && source && SHAPE_PRESERVING_OPS.has(node.opType ?? '')) return this.constantDims(source);
    return null;
  }

  declaredElementType(tensor: string): onnx.TensorProto.DataType | null {
    // elemType is typed as a plain number; its values are TensorProto.DataType.
    return this.declared.get(tensor)?.type?.tensorType?.elemType ?? null;
  }

  declaredType(tensor: string): onnx.ITypeProto | null {
    return this.declared.get(tensor)?.type ?? null;
  }

  /** A tensor or node name not used anywhere in the graph yet. */
  uniqueName(base: string): string {
    let name = base;
    for (let suffix = 1; this.usedNames.has(name); suffix++) name = `${base}_${suffix}`;
    this.usedNames.add(name);
    return name;
  }
}

function findClassifier(index: GraphIndex, classifierOutput: string): ClassifierMatch {
  const walked: string[] = [];
  const fail = (reason: string): Error =>
    new Error(
      `No final classifier (Gemm, MatMul, QLinearMatMul or QGemm) found behind output ${JSON.stringify(classifierOutput)}: ` +
        `${reason}${walked.length > 0 ? ` (walked back through ${walked.join(' ← ')})` : ''}`,
    );

  let tensor = classifierOutput;
  for (let step = 0; step < MAX_TRAILING_OPS; step++) {
    const node = index.producer(tensor);
    if (!node) throw fail(`${JSON.stringify(tensor)} is not computed by any node`);
    const op = node.opType ?? '';
    const inputs = node.input ?? [];
    const describe = `${op} node ${JSON.stringify(node.name ?? '')}`;

    if (FLOAT_CLASSIFIER_OPS.has(op)) return floatClassifier(index, node, fail);
    if (QUANTIZED_CLASSIFIER_OPS.has(op)) return quantizedClassifier(index, node);

    let next: string | undefined;
    if (PASS_THROUGH_OPS.has(op)) next = inputs[0];
    else if (CONSTANT_OPERAND_OPS.has(op)) next = variableOperand(index, inputs[0], inputs[1]);
    else if (QUANTIZED_CONSTANT_OPERAND_OPS.has(op)) next = variableOperand(index, inputs[0], inputs[3]);
    else throw fail(`stopped at ${describe}, which is not a classifier nor an op that can follow one`);
    if (!next) throw fail(`${describe} has no single non-constant input to follow`);
    walked.push(op);
    tensor = next;
  }
  throw fail(`more than ${MAX_TRAILING_OPS} ops follow the classifier`);
}

/** The one operand that is not a constant (a bias or a scale), or undefined when not exactly one. */
function variableOperand(
  index: GraphIndex,
  a: string | undefined,
  b: string | undefined,
): string | undefined {
  if (!a || !b) return undefined;
  const aConstant = index.isConstant(a);
  const bConstant = index.isConstant(b);
  if (aConstant === bConstant) return undefined;
  return aConstant ? b : a;
}

function floatClassifier(
  index: GraphIndex,
  node: onnx.INodeProto,
  fail: (reason: string) => Error,
): ClassifierMatch {
  const [features, weight] = node.input ?? [];
  const describe = `${node.opType ?? ''} node ${JSON.stringify(node.name ?? '')}`;
  if (!features || !weight || !index.isConstant(weight) || index.isConstant(features)) {
    throw fail(`${describe} does not multiply a feature tensor by constant weights`);
  }
  if (node.opType === 'Gemm' && intAttribute(node, 'transA', 0) !== 0) {
    throw fail(`${describe} has transA=1 (features as columns), which is not supported`);
  }
  const weightDims = index.constantDims(weight);
  // Gemm's B is [K, M], or [M, K] with transB=1 (torchvision's Linear export); MatMul's is [K, M].
  const transposed = node.opType === 'Gemm' && intAttribute(node, 'transB', 0) !== 0;
  const dimension = weightDims?.length === 2 ? (weightDims[transposed ? 1 : 0] ?? null) : null;
  return { node, features, quantization: null, dimension };
}

function quantizedClassifier(index: GraphIndex, node: onnx.INodeProto): ClassifierMatch {
  const [features, scale, zeroPoint, weight] = node.input ?? [];
  if (!features || !scale || !zeroPoint || !weight) {
    throw new Error(
      `${node.opType ?? ''} node ${JSON.stringify(node.name ?? '')} lacks its data, scale or zero point`,
    );
  }
  const weightDims = index.constantDims(weight);
  const transposed = node.opType === 'QGemm' && intAttribute(node, 'transB', 0) !== 0;
  const dimension = weightDims?.length === 2 ? (weightDims[transposed ? 1 : 0] ?? null) : null;
  return { node, features, quantization: { scale, zeroPoint }, dimension };
}

function intAttribute(node: onnx.INodeProto, name: string, fallback: number): number {
  const attribute = (node.attribute ?? []).find((candidate) => candidate.name === name);
  return attribute ? int64ToNumber(attribute.i) : fallback;
}

/** The logits' first dimension (`batch_size`, or a fixed size), reused for the embedding output. */
function batchDimension(logits: onnx.IValueInfoProto): onnx.TensorShapeProto.IDimension {
  const first = logits.type?.tensorType?.shape?.dim?.[0];
  if (first?.dimParam) return { dimParam: first.dimParam };
  if (first?.dimValue !== undefined && first.dimValue !== null)
    return { dimValue: int64ToNumber(first.dimValue) };
  return { dimParam: 'N' };
}

/** Adds the nodes (if any) and the graph output that make `match.features` a float32 [N, D] output. */
function exposeFeatures(
  graph: onnx.IGraphProto,
  index: GraphIndex,
  match: ClassifierMatch,
  batch: onnx.TensorShapeProto.IDimension,
): string {
  const nodes = (graph.node ??= []);
  const outputs = (graph.output ??= []);
  const featureDim: onnx.TensorShapeProto.IDimension =
    match.dimension === null ? { dimParam: 'embedding_dimension' } : { dimValue: match.dimension };
  const float2d: onnx.ITypeProto = {
    tensorType: { elemType: DataType.FLOAT, shape: { dim: [batch, featureDim] } },
  };

  if (match.quantization) {
    // QLinearMatMul's a_scale / a_zero_point are per-tensor, exactly DequantizeLinear's inputs.
    const dequantized = index.uniqueName(`${match.features}_dequantized`);
    const embedding = index.uniqueName('penultimate_embedding');
    nodes.push(
      {
        name: index.uniqueName('penultimate_dequantize'),
        opType: 'DequantizeLinear',
        input: [match.features, match.quantization.scale, match.quantization.zeroPoint],
        output: [dequantized],
      },
      {
        name: index.uniqueName('penultimate_flatten'),
        opType: 'Flatten',
        input: [dequantized],
        output: [embedding],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      },
    );
    outputs.push({ name: embedding, type: float2d });
    return embedding;
  }

  if (index.isGraphOutput(match.features)) return match.features;
  const elementType = index.declaredElementType(match.features) ?? DataType.FLOAT;
  if (elementType !== DataType.FLOAT && !FLOAT_TYPES.has(elementType)) {
    throw new Error(
      `The classifier's features ${JSON.stringify(match.features)} have element type ${elementType}`,
    );
  }
  if (elementType === DataType.FLOAT && !index.isGraphInput(match.features)) {
    outputs.push({ name: match.features, type: index.declaredType(match.features) ?? float2d });
    return match.features;
  }
  // float16/double features are cast; a graph input is copied, as one name cannot be both.
  const embedding = index.uniqueName('penultimate_embedding');
  nodes.push(
    elementType === DataType.FLOAT
      ? {
          name: index.uniqueName('penultimate_identity'),
          opType: 'Identity',
          input: [match.features],
          output: [embedding],
        }
      : {
          name: index.uniqueName('penultimate_cast'),
          opType: 'Cast',
          input: [match.features],
          output: [embedding],
          attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DataType.FLOAT }],
        },
  );
  outputs.push({ name: embedding, type: float2d });
  return embedding;
}
