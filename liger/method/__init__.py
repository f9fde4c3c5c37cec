"""The method: Liger (vote extension, k-means parts, a label model per part) and LigerCV, its tuned form.

Importable without Hydra; nothing here reads a config.
"""
