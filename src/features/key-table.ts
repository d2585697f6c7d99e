/**
 * Strings the logs count (entity keys for `of`, a field's text for
 * distinct counts) as small integers: a log entry holds a number, not a
 * reference to a string, so the packed logs are numbers only, a distinct
 * count's multiset is keyed by numbers, and each string is kept once however
 * many entries hold it. Every holder counts: an id lives while an entry (or
 * the event being visited) refers to it, and its number is then reused, so
 * the table is bounded by what the logs retain.
 *
 * An entry that holds several values (an event naming three contacts) holds
 * one id of the list, whose members are ids of the same table.
 */
export class KeyTable {
  private readonly idOf = new Map<string, number>()
  private readonly texts: string[] = []
  private readonly refs: number[] = []
  private readonly members: (number[] | undefined)[] = []
  private readonly free: number[] = []
  /** Ids held for the event (or batch) being visited, released by `releaseHeld`. */
  private readonly held: number[] = []

  constructor(readonly name: string) {}

  /** The id of `value` (one string, or several as a list), held until `releaseHeld`. */
  hold(value: string | readonly string[]): number {
    const id = typeof value === 'string' ? this.idFor(value) : value.length === 1 ? this.idFor(value[0]!) : this.listFor(value)
    this.refs[id]!++
    this.held.push(id)
    return id
  }

  /** Holds `id` (which is alive) until `releaseHeld`. */
  holdId(id: number): void {
    this.refs[id]!++
    this.held.push(id)
  }

  /** Releases every id `hold` gave since the last call: those no entry took are forgotten. */
  releaseHeld(): void {
    const held = this.held
    for (let i = 0; i < held.length; i++) this.release(held[i]!)
    held.length = 0
  }

  /** The id of one string, if it has one. */
  find(text: string): number | undefined {
    return this.idOf.get(text)
  }

  acquire(id: number): void {
    this.refs[id]!++
  }

  release(id: number): void {
    if (--this.refs[id]! > 0) return
    this.idOf.delete(this.texts[id]!)
    this.texts[id] = ''
    const list = this.members[id]
    if (list) {
      this.members[id] = undefined
      for (const member of list) this.release(member)
    }
    this.free.push(id)
  }

  /** The ids an entry's id stands for: its members if a list, else itself. */
  valuesOf(id: number): readonly number[] {
    return this.members[id] ?? [id]
  }

  /** The members of a list id, or undefined for a single value. */
  membersOf(id: number): readonly number[] | undefined {
    return this.members[id]
  }

  text(id: number): string {
    return this.texts[id]!
  }

  /** The table for a snapshot: the text and reference count of every id (a free one: count 0), and the lists' members as [id, n, member…]. */
  toColumns(): KeyTableColumns {
    const lists: number[] = []
    this.members.forEach((list, id) => {
      if (list) lists.push(id, list.length, ...list)
    })
    return { name: this.name, texts: this.texts.slice(), refs: Int32Array.from(this.refs), lists: Float64Array.from(lists) }
  }

  /** Loads `toColumns` into this table, which must be empty. */
  load(columns: KeyTableColumns): void {
    if (this.idOf.size > 0 || this.texts.length > 0) throw new Error('a key table is restored into a fresh engine only')
    if (columns.texts.length !== columns.refs.length) throw new Error(`the snapshot's key table ${this.name} has ${columns.texts.length} texts for ${columns.refs.length} counts`)
    for (let id = 0; id < columns.texts.length; id++) {
      const refs = columns.refs[id]!
      this.texts.push(refs > 0 ? columns.texts[id]! : '')
      this.refs.push(refs)
      this.members.push(undefined)
      if (refs > 0) this.idOf.set(columns.texts[id]!, id)
      else this.free.push(id)
    }
    const lists = columns.lists
    for (let at = 0; at < lists.length; ) {
      const id = lists[at]!
      const n = lists[at + 1]!
      this.members[id] = Array.from(lists.subarray(at + 2, at + 2 + n))
      at += 2 + n
    }
  }

  private idFor(text: string): number {
    const id = this.idOf.get(text)
    return id ?? this.make(text, undefined)
  }

  /** A list's text is its members' texts after a separator no key or field text starts with (blind indexes are base64url, texts are taken whole). */
  private listFor(values: readonly string[]): number {
    const text = `\u0001${values.join('\u0001')}`
    const id = this.idOf.get(text)
    if (id !== undefined) return id
    const list = values.map((value) => this.idFor(value))
    for (const member of list) this.refs[member]!++
    return this.make(text, list)
  }

  private make(text: string, list: number[] | undefined): number {
    let id = this.free.pop()
    if (id === undefined) {
      id = this.texts.length
      this.texts.push(text)
      this.refs.push(0)
      this.members.push(list)
    } else {
      this.texts[id] = text
      this.refs[id] = 0
      this.members[id] = list
    }
    this.idOf.set(text, id)
    return id
  }
}

/** A key table in a snapshot (structured-clone safe). */
export interface KeyTableColumns {
  name: string
  texts: string[]
  refs: Int32Array
  lists: Float64Array
}
