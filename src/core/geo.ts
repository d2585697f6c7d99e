export interface LatLon {
  lat: number
  lon: number
}

/** Great-circle distance in kilometres (haversine, mean Earth radius). */
export function distanceKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2
  return 2 * 6371 * Math.asin(Math.sqrt(h))
}

/** Speed in km/h needed to cover the distance in the time; a zero time counts as one second, so two places at once read as very fast, never infinite. */
export const speedKmh = (from: LatLon, to: LatLon, elapsedMs: number) => distanceKm(from, to) / (Math.max(elapsedMs, 1_000) / 3_600_000)
