// A seeded pseudo-random source (xorshift32) for reproducible tests and simulations: the same
// seed gives the same sequence everywhere. Never for keys or ids — those use secureRandom.
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
