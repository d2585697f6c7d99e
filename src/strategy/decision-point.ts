/**
 * A decision point is an event type, or an event type for one product
 * (`event.data.product`). A product's own strategy comes first; the event
 * type's strategy decides every other product.
 */
export const decisionPointKey = (eventType: string, product?: string) => (product === undefined ? eventType : `${eventType}/${product}`)

export function strategyFor<T>(strategies: ReadonlyMap<string, T>, eventType: string, data: Readonly<Record<string, unknown>>): T | undefined {
  const product = data.product
  return (typeof product === 'string' ? strategies.get(decisionPointKey(eventType, product)) : undefined) ?? strategies.get(eventType)
}
