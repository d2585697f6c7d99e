import protobuf from 'protobufjs/light.js'

/**
 * The part of ONNX's `onnx.proto` that a tree-ensemble model uses, read and
 * written with protobufjs (no generated code: the messages are declared
 * below as protobufjs JSON, field numbers as in onnx/onnx.proto3). Fields not
 * declared here (functions, training info, sparse tensors, sub-graphs, …) are
 * skipped by the decoder; the importer refuses the models that would need
 * them by looking at what it does read (a node of an unknown operator, an
 * attribute of type GRAPH, a tensor with external data).
 */
const int64 = (id: number) => ({ type: 'int64', id })
const string = (id: number) => ({ type: 'string', id })
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id })

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: int64(1),
            opsetImport: repeated('OperatorSetIdProto', 8),
            producerName: string(2),
            producerVersion: string(3),
            domain: string(4),
            modelVersion: int64(5),
            docString: string(6),
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
        OperatorSetIdProto: { fields: { domain: string(1), version: int64(2) } },
        StringStringEntryProto: { fields: { key: string(1), value: string(2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: string(2),
            initializer: repeated('TensorProto', 5),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: string(3),
            opType: string(4),
            domain: string(7),
            attribute: repeated('AttributeProto', 5),
          },
        },
        AttributeProto: {
          fields: {
            name: string(1),
            refAttrName: string(21),
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: int64(3),
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            dataType: { type: 'int32', id: 2 },
            floatData: repeated('float', 4),
            int32Data: repeated('int32', 5),
            int64Data: repeated('int64', 7),
            name: string(8),
            rawData: { type: 'bytes', id: 9 },
            doubleData: repeated('double', 10),
            uint64Data: repeated('uint64', 11),
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        ValueInfoProto: { fields: { name: string(1), type: { type: 'TypeProto', id: 2 } } },
        TypeProto: {
          fields: {
            tensorType: { type: 'TensorTypeProto', id: 1 },
            sequenceType: { type: 'SequenceTypeProto', id: 4 },
            mapType: { type: 'MapTypeProto', id: 5 },
          },
        },
        TensorTypeProto: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        SequenceTypeProto: { fields: { elemType: { type: 'TypeProto', id: 1 } } },
        MapTypeProto: { fields: { keyType: { type: 'int32', id: 1 }, valueType: { type: 'TypeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: repeated('Dimension', 1) } },
        Dimension: { fields: { dimValue: int64(1), dimParam: string(2) } },
      },
    },
  },
}

const root = protobuf.Root.fromJSON(descriptor)
const modelType = root.lookupType('onnx.ModelProto')

/** ONNX's `TensorProto.DataType` values the importer reads. */
export const onnxDataType = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, string: 8, double: 11 } as const

/** ONNX's `AttributeProto.AttributeType`. */
export const onnxAttributeType = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9, graphs: 10 } as const

export interface OnnxTensor {
  dims?: number[]
  dataType?: number
  floatData?: number[]
  int32Data?: number[]
  int64Data?: number[]
  name?: string
  rawData?: Uint8Array
  doubleData?: number[]
  uint64Data?: number[]
  dataLocation?: number
}

export interface OnnxAttribute {
  name?: string
  refAttrName?: string
  type?: number
  f?: number
  i?: number
  s?: Uint8Array
  t?: OnnxTensor
  floats?: number[]
  ints?: number[]
  strings?: Uint8Array[]
}

export interface OnnxNode {
  input?: string[]
  output?: string[]
  name?: string
  opType?: string
  domain?: string
  attribute?: OnnxAttribute[]
}

export interface OnnxType {
  tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } }
  sequenceType?: { elemType?: OnnxType }
  mapType?: { keyType?: number; valueType?: OnnxType }
}

export interface OnnxValueInfo {
  name?: string
  type?: OnnxType
}

export interface OnnxGraph {
  node?: OnnxNode[]
  name?: string
  initializer?: OnnxTensor[]
  input?: OnnxValueInfo[]
  output?: OnnxValueInfo[]
}

export interface OnnxModelProto {
  irVersion?: number
  opsetImport?: { domain?: string; version?: number }[]
  producerName?: string
  producerVersion?: string
  domain?: string
  modelVersion?: number
  docString?: string
  graph?: OnnxGraph
  metadataProps?: { key?: string; value?: string }[]
}

/**
 * Decodes an ONNX model file. int64 fields become numbers (node and tree
 * ids, feature indices and counts are far below 2^53; the importer checks
 * that each is a safe integer). Throws protobufjs's error on bytes that are
 * not a protobuf message.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModelProto {
  const message = modelType.decode(bytes)
  return modelType.toObject(message, { longs: Number, bytes: Uint8Array, arrays: false, defaults: false }) as OnnxModelProto
}

/** Encodes a model in the same shape (tests build ONNX files with it). */
export function encodeOnnxModel(model: OnnxModelProto): Uint8Array {
  const error = modelType.verify(model)
  if (error) throw new Error(`not an ONNX model: ${error}`)
  return modelType.encode(modelType.fromObject(model)).finish()
}

const utf8 = new TextDecoder('utf-8', { fatal: false })
export const onnxString = (bytes: Uint8Array | undefined): string => (bytes ? utf8.decode(bytes) : '')

/**
 * A tensor's values as numbers, from whichever field holds them (`raw_data`
 * little-endian, or the typed repeated field); undefined for an element
 * type the importer does not read.
 */
export function tensorValues(tensor: OnnxTensor): number[] | undefined {
  const raw = tensor.rawData
  const type = tensor.dataType ?? 0
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    const read = (size: number, get: (offset: number) => number) => {
      if (raw.length % size !== 0) return undefined
      return Array.from({ length: raw.length / size }, (_, i) => get(i * size))
    }
    if (type === onnxDataType.float) return read(4, (o) => view.getFloat32(o, true))
    if (type === onnxDataType.double) return read(8, (o) => view.getFloat64(o, true))
    if (type === onnxDataType.int64) return read(8, (o) => Number(view.getBigInt64(o, true)))
    if (type === onnxDataType.int32) return read(4, (o) => view.getInt32(o, true))
    if (type === onnxDataType.uint8) return read(1, (o) => view.getUint8(o))
    if (type === onnxDataType.int8) return read(1, (o) => view.getInt8(o))
    return undefined
  }
  if (type === onnxDataType.float) return tensor.floatData ?? []
  if (type === onnxDataType.double) return tensor.doubleData ?? []
  if (type === onnxDataType.int64) return tensor.int64Data ?? []
  // ONNX keeps int32, uint8 and int8 elements in int32_data
  if (type === onnxDataType.int32 || type === onnxDataType.uint8 || type === onnxDataType.int8) return tensor.int32Data ?? []
  return undefined
}
