import { useIdRandomness } from "#core/ids.ts";
import { createPrng } from "./prng.ts";
import type { SimClock } from "./sim-clock.ts";

/**
 * Makes this process's time and randomness the simulation's: `Date.now` reads the sim clock (so
 * fauxqs's visibility timeouts and receive counts run on simulated time), `Math.random` is seeded
 * (the engine's back-off jitter), and run and attempt ids draw from a seeded source (so they
 * replay). Returns a function that puts the originals back.
 */
export function simulateTimeAndRandomness(clock: SimClock, seed: number): () => void {
  const realNow = Date.now;
  const realRandom = Math.random;
  Date.now = () => clock.now();
  Math.random = createPrng(seed, "math-random").next;
  useIdRandomness(createPrng(seed, "ids").next);
  return () => {
    Date.now = realNow;
    Math.random = realRandom;
    useIdRandomness(realRandom);
  };
}
