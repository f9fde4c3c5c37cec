"""Video benchmarks: rendered frame sequences (``liger.video.render``), labelled as rendered everywhere."""
