"""Measures on votes and embeddings that studies share: LF summaries, smoothness curves M(r), label-free criteria and embedding proxies."""
