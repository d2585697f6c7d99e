import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LogSlab } from '../../src/features/log-slab.ts'

test('a slab hands out blocks that never overlap, of the room their class says, and reuses freed ones first', () => {
  const start = 7
  const width = 3
  const slab = new LogSlab(start, width)
  const live = new Map<number, number>()
  let stamp = 0
  // fill each block with its own stamp; every live block must keep it whatever else is allocated or freed
  const fill = (place: number) => {
    const value = ++stamp
    const size = start + slab.roomAt(place) * width
    slab.chunkOf(place).fill(value, slab.offsetOf(place), slab.offsetOf(place) + size)
    live.set(place, value)
  }
  const check = () => {
    for (const [place, value] of live) {
      const size = start + slab.roomAt(place) * width
      const chunk = slab.chunkOf(place)
      const at = slab.offsetOf(place)
      assert.ok(at + size <= chunk.length, 'a block lies inside its chunk')
      for (let i = at; i < at + size; i++) assert.equal(chunk[i], value, `block ${place} was overwritten`)
    }
  }
  let seed = 7
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  for (let step = 0; step < 5_000; step++) {
    if (live.size > 0 && random() < 0.4) {
      const places = [...live.keys()]
      const place = places[Math.floor(random() * places.length)]!
      live.delete(place)
      slab.free(place)
      // the next block of that class is the one just freed
      const again = slab.allocate(LogSlab.classOf(place))
      assert.equal(again, place)
      fill(again)
    } else {
      const c = Math.floor(random() * random() * 12)
      const place = slab.allocate(c)
      assert.equal(LogSlab.classOf(place), c)
      assert.equal(slab.roomAt(place), LogSlab.roomOf(c))
      assert.ok(!live.has(place), 'a live block is not handed out twice')
      fill(place)
    }
    if (step % 1_000 === 0) check()
  }
  check()
  assert.equal(LogSlab.classFor(0), 0)
  assert.equal(LogSlab.classFor(2), 0)
  assert.equal(LogSlab.classFor(3), 1)
  assert.equal(LogSlab.classFor(20_001), 14)
  assert.ok(LogSlab.roomOf(14) >= 20_001)
  assert.ok(slab.bytes > 0)
})
