"""Models: the generator protocol, Hugging Face loading, decode loops, 4-bit weights, embedder, embedded weights."""
