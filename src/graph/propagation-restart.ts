import { Adjacency } from './adjacency.ts'
import type { LinkGraph } from './link-graph.ts'
import { type PropagationSeeds, RiskPropagation } from './propagation.ts'

/**
 * What the propagation's scheduled restart reads, captured at one hour:
 * the seeds then, and how many nodes and edges the graph had — the
 * adjacency at that moment follows from the first `edgeCount` edges, which
 * no later event changes (edges are only appended, and each node's
 * neighbours are kept in the order its edges were made), so it is rebuilt
 * from their ends (`Adjacency.fromEdges`) rather than copied. Structured-
 * clone safe (a snapshot file holds it).
 */
export interface PropagationInput {
  alpha: number
  epsilon: number
  nodeCount: number
  edgeCount: number
  seeds: PropagationSeeds
}

/** A restart's result: estimate and residual of the first `nodeCount` nodes (zero past them). */
export interface PropagationRestart {
  estimate: Float64Array
  residual: Float64Array
}

/** Labels pushed after a capture, in order (node, mass): pushed again on the restart's result when it is applied. */
export interface LaterSeeds {
  nodes: Int32Array
  masses: Float64Array
}

export function capturePropagationInput(graph: LinkGraph, propagation: RiskPropagation): PropagationInput {
  return { alpha: propagation.alpha, epsilon: propagation.epsilon, nodeCount: graph.nodes.count, edgeCount: graph.edges.count, seeds: propagation.seeds() }
}

/**
 * The restart a capture stands for, given the ends of (at least) its
 * first `edgeCount` edges: the same whichever thread runs it. The
 * adjacency rebuilt from those edges lists each node's neighbours in the
 * order the live graph had them at the capture, so the push adds the same
 * numbers in the same order as `RiskPropagation.recompute` on that graph.
 */
export function restartPropagation(input: PropagationInput, ends: Int32Array, room = 0): PropagationRestart {
  if (ends.length < 2 * input.edgeCount) throw new Error(`the restart needs the ends of ${input.edgeCount} edges, got ${ends.length / 2}`)
  const adjacency = Adjacency.fromEdges(input.nodeCount, ends, input.edgeCount)
  const propagation = new RiskPropagation(input.alpha, input.epsilon)
  propagation.restart({ adjacency, nodeCount: input.nodeCount }, input.seeds)
  const { estimate, residual } = propagation.toColumns(false)
  return { estimate: withRoom(estimate, room), residual: withRoom(residual, room) }
}

/** The nodes' values and `room` zeros after them: the graph's thread takes the arrays as they are (`RiskPropagation.adopt`), the nodes made since in them. */
function withRoom(values: Float64Array, room: number): Float64Array {
  const array = new Float64Array(values.length + room)
  array.set(values)
  return array
}
