/** Named feature columns being built for a training set: one Float64Array per feature, NaN for missing. */
export class FeatureColumns {
  readonly names: string[] = []
  readonly columns: Float64Array[] = []

  constructor(readonly rows: number) {}

  add(name: string): Float64Array {
    if (this.names.includes(name)) throw new Error(`feature ${name} twice`)
    const column = new Float64Array(this.rows).fill(Number.NaN)
    this.names.push(name)
    this.columns.push(column)
    return column
  }

  /** The columns restricted to `rows`, in that order. */
  select(rows: ArrayLike<number>): Float64Array[] {
    return this.columns.map((column) => Float64Array.from(rows, (row) => column[row]!))
  }
}
