import { Document, isScalar, visit } from 'yaml'
import { inAuthorsOrder } from './document-order.ts'

/**
 * A stored document (canonical JSON) as YAML, the way strategies are written
 * in `config/strategies/`: keys in the authors' order, short maps of plain
 * values (`reason`, a scorecard input, a branch, `next`) and lists of plain
 * values (a row's cells) on one line. Importing it gives the same document.
 */
export function documentAsYaml(document: string, header?: string): string {
  const yaml = new Document(inAuthorsOrder(JSON.parse(document)))
  visit(yaml, {
    Map(_, node) {
      if (node.items.length <= 4 && node.items.every((pair) => isScalar(pair.value))) node.flow = true
    },
    Seq(_, node) {
      if (node.items.length > 0 && node.items.every((item) => isScalar(item))) node.flow = true
    },
  })
  if (header) yaml.commentBefore = ` ${header}`
  return yaml.toString({ lineWidth: 0 })
}
