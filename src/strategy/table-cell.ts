/**
 * A decision-table cell as CEL over its column: `-` (or empty) holds for any
 * value; `>= 3`, `< 0.4`, `== "x"`, `!= 2` compare; `[1..5]`, `(0..1]`
 * are ranges with closed `[ ]` or open `( )` ends; `in ["a", "b"]` is
 * membership; anything else is a value the column must equal. The result is
 * type-checked like any condition, so a cell of the wrong type is reported at
 * that cell.
 */
export function cellCondition(column: string, cell: string | number | boolean): string | undefined {
  const text = String(cell).trim()
  if (text === '' || text === '-') return undefined
  const value = `(${column})`
  const comparison = /^(<=|>=|<|>|==|!=)\s*(.+)$/.exec(text)
  if (comparison) return `${value} ${comparison[1]} ${comparison[2]}`
  const range = /^([[(])\s*(.+?)\s*\.\.\s*(.+?)\s*([\])])$/.exec(text)
  if (range) return `${value} ${range[1] === '[' ? '>=' : '>'} ${range[2]} && ${value} ${range[4] === ']' ? '<=' : '<'} ${range[3]}`
  if (/^in\s*\[/.test(text)) return `${value} ${text}`
  return `${value} == ${typeof cell === 'string' && !/^(".*"|'.*'|-?[0-9.eE+]+|true|false|null)$/.test(text) ? JSON.stringify(text) : text}`
}
