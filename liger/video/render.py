"""RENDERED tennis frames: a seeded, deterministic video benchmark with Rekall-style LFs over noisy detections.

Nothing here is real footage. Each sequence is a top-down view of a tennis court drawn with PIL,
two players and a ball; the label of each frame is "rally in progress" (1) or not (0). The same
``RenderConfig`` reproduces every pixel, detection and vote bit for bit: each sequence draws from
its own generator, ``numpy.random.default_rng([seed, sequence_index])``.

What a sequence holds (``n_frames`` frames), segment by segment:

- **Rally** (label 1, 12-35 frames): the players stay near their baselines and move sideways toward
  the ball; the ball flies from one player to the other, one shot every 6-10 frames.
- **Ready to serve** (label 0; every break lasts 10-35 frames): both players on their baselines, the server bouncing the
  ball slowly beside them. It looks like a rally frame except for the ball.
- **Walking** (label 0): the players wander about their halves; the ball is held or out of sight.
- **Close-up** (label 0): the camera cuts to one large player in front of a crowd; no court in view.

Each sequence also draws a court surface (hard, clay or grass colours) and a brightness factor.

Detections are what a detector would report, with seeded noise: each visible player is found with
probability 0.9 (close-up: 0.95) at its position plus Gaussian noise (sd 0.02 of the frame); crowds
add spurious people; a visible ball is found with probability 0.7 (noise sd 0.01), and 8% of the
frames where no ball is found report a spurious one. The six LFs (Rekall-style queries over those
detections and the pixels) vote rally (1), no rally (0) or abstain (-1):

1. ``two_players_on_court``: exactly two people detected on court, one per half -> 1; fewer -> 0.
2. ``players_on_baselines``: every on-court person near a baseline -> 1; someone near the net -> 0.
3. ``ball_fast``: the ball moved more than 0.04 (frame widths) since the previous frame -> 1; less than 0.015 -> 0.
4. ``ball_in_flight``: ball far (> 0.12) from every detected person -> 1; within 0.06 of one -> 0.
5. ``court_lines_visible``: too few near-white pixels (no court lines) -> 0; else abstain.
6. ``large_person``: a detected person taller than 0.3 of the frame -> 0; else abstain.

Sequences are split into train / dev / test by a permutation of sequence indices drawn with
``default_rng(seed)``; rows keep their frame order within each sequence.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np

ABSTAIN, NO_RALLY, RALLY = -1, 0, 1
LF_NAMES = ("two_players_on_court", "players_on_baselines", "ball_fast", "ball_in_flight",
            "court_lines_visible", "large_person")
SCENES = ("rally", "ready", "walking", "closeup")
# Court geometry in frame coordinates (0..1, y down): sidelines, far and near baselines, net.
COURT_X, COURT_Y, NET_Y = (0.2, 0.8), (0.12, 0.88), 0.5
SURFACES = {  # (surround, court) RGB
    "hard": ((60, 120, 70), (50, 90, 160)),
    "clay": ((120, 80, 60), (190, 100, 60)),
    "grass": ((40, 100, 40), (80, 150, 70)),
}
SHIRTS = ((200, 40, 40), (240, 220, 60))  # far player, near player
BALL_COLOUR = (210, 255, 60)


@dataclass(frozen=True)
class RenderConfig:
    """Everything the benchmark depends on; the same config gives the same bytes."""

    n_sequences: int = 60
    n_frames: int = 100
    size: int = 96
    seed: int = 0
    n_dev: int = 10
    n_test: int = 10
    player_recall: float = 0.9
    ball_recall: float = 0.7
    spurious_ball_rate: float = 0.08
    position_noise: float = 0.02

    def __post_init__(self) -> None:
        if self.n_sequences - self.n_dev - self.n_test < 1 or self.n_dev < 1 or self.n_test < 1:
            raise ValueError(f"n_sequences={self.n_sequences}, n_dev={self.n_dev}, n_test={self.n_test}; "
                             "expected at least one sequence in each of train, dev and test")
        if self.n_frames < 2 or self.size < 16:
            raise ValueError(f"n_frames={self.n_frames}, size={self.size}; expected n_frames >= 2 and size >= 16")


# -- the world: segments, positions ------------------------------------------------------------
def _segments(rng: np.random.Generator, n_frames: int) -> list[str]:
    scenes: list[str] = []
    rally = bool(rng.random() < 0.5)
    while len(scenes) < n_frames:
        if rally:
            scenes += ["rally"] * int(rng.integers(12, 36))
        else:
            scene = SCENES[1 + int(rng.choice(3, p=[0.4, 0.3, 0.3]))]
            scenes += [scene] * int(rng.integers(10, 36))
        rally = not rally
    return scenes[:n_frames]


def _world(rng: np.random.Generator, scenes: list[str]) -> dict:
    """Per-frame true positions: players (n, 2, 2), ball (n, 2) or NaN when out of sight."""
    n = len(scenes)
    players = np.empty((n, 2, 2))
    ball = np.full((n, 2), np.nan)
    pos = np.array([[0.5, COURT_Y[0] - 0.02], [0.5, COURT_Y[1] + 0.02]])
    target = pos.copy()
    hitter, shot_start, shot_len, landing = 0, 0, 8, 0.5
    for t, scene in enumerate(scenes):
        new_segment = t == 0 or scenes[t - 1] != scene
        if scene == "rally":
            if new_segment or t - shot_start >= shot_len:
                hitter = 1 - hitter if not new_segment else int(rng.integers(2))
                shot_start, shot_len = t, int(rng.integers(6, 11))
                landing = float(rng.uniform(COURT_X[0] + 0.05, COURT_X[1] - 0.05))
            receiver = 1 - hitter
            home_y = np.array([COURT_Y[0] - 0.02, COURT_Y[1] + 0.02]) + rng.normal(0, 0.01, 2)
            pos[:, 1] += 0.3 * (home_y - pos[:, 1])
            pos[receiver, 0] += 0.35 * (landing - pos[receiver, 0])
            pos[hitter, 0] += 0.1 * (0.5 - pos[hitter, 0])
            progress = (t - shot_start) / shot_len
            start, end = pos[hitter] + [0.03, 0.0], np.array([landing, pos[receiver, 1]])
            ball[t] = start + progress * (end - start) + [0.04 * np.sin(np.pi * progress), 0.0]
        elif scene == "ready":
            home = np.array([[pos[0, 0], COURT_Y[0] - 0.02], [pos[1, 0], COURT_Y[1] + 0.02]])
            pos += 0.3 * (home - pos)
            server = 0 if (t // 40) % 2 == 0 else 1
            bounce = 0.02 * abs(np.sin(t * 0.7))
            ball[t] = pos[server] + [0.04, 0.02 - bounce]
        elif scene == "walking":
            if new_segment or rng.random() < 0.1:
                target = np.array([[rng.uniform(0.15, 0.85), rng.uniform(0.05, 0.45)],
                                   [rng.uniform(0.15, 0.85), rng.uniform(0.55, 0.95)]])
            step = target - pos
            pos += 0.015 * step / np.maximum(np.linalg.norm(step, axis=1, keepdims=True), 1e-9)
            if rng.random() < 0.5:
                ball[t] = pos[1] + [0.03, 0.0]
        players[t] = pos
    return {"players": players, "ball": ball}


# -- drawing -----------------------------------------------------------------------------------
def _draw_frame(scene: str, players: np.ndarray, ball: np.ndarray, surface: str, brightness: float,
                crowd: np.ndarray, closeup_x: float, size: int) -> np.ndarray:
    from PIL import Image, ImageDraw

    scale = 2 * size  # drawn at twice the size, then box-filtered down: smooth edges, same bytes every time
    px = lambda x, y: (x * scale, y * scale)  # noqa: E731
    surround, court = SURFACES[surface]
    image = Image.new("RGB", (scale, scale), surround)
    draw = ImageDraw.Draw(image)
    if scene == "closeup":
        for x, y, r, g, b in crowd:
            draw.ellipse([*px(x - 0.03, y - 0.03), *px(x + 0.03, y + 0.03)], fill=(int(r), int(g), int(b)))
        draw.rectangle([*px(closeup_x - 0.16, 0.45), *px(closeup_x + 0.16, 1.0)], fill=SHIRTS[1])
        draw.ellipse([*px(closeup_x - 0.1, 0.2), *px(closeup_x + 0.1, 0.45)], fill=(230, 190, 160))
    else:
        draw.rectangle([*px(COURT_X[0] - 0.05, COURT_Y[0] - 0.05), *px(COURT_X[1] + 0.05, COURT_Y[1] + 0.05)], fill=court)
        line = max(1, scale // 96)
        draw.rectangle([*px(COURT_X[0], COURT_Y[0]), *px(COURT_X[1], COURT_Y[1])], outline=(245, 245, 245), width=line)
        draw.line([*px(COURT_X[0] - 0.03, NET_Y), *px(COURT_X[1] + 0.03, NET_Y)], fill=(230, 230, 230), width=2 * line)
        draw.line([*px(0.5, COURT_Y[0] + 0.16), *px(0.5, COURT_Y[1] - 0.16)], fill=(245, 245, 245), width=line)
        for (x, y), shirt in zip(players, SHIRTS):
            draw.rectangle([*px(x - 0.025, y - 0.03), *px(x + 0.025, y + 0.035)], fill=shirt)
            draw.ellipse([*px(x - 0.018, y - 0.065), *px(x + 0.018, y - 0.03)], fill=(230, 190, 160))
        if not np.isnan(ball).any():
            r = 0.014
            draw.ellipse([*px(ball[0] - r, ball[1] - r), *px(ball[0] + r, ball[1] + r)], fill=BALL_COLOUR)
    image = image.resize((size, size), Image.Resampling.BOX)
    pixels = np.asarray(image, dtype=np.float32) * brightness
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


# -- detections and LFs ------------------------------------------------------------------------
def _detections(rng: np.random.Generator, scenes: list[str], world: dict, closeup_x: np.ndarray, cfg: RenderConfig) -> list[dict]:
    """Per frame: people [(x, y, height)] and ball (x, y) or None, as a noisy detector reports them."""
    out = []
    for t, scene in enumerate(scenes):
        people = []
        if scene == "closeup":
            if rng.random() < 0.95:
                people.append((closeup_x[t] + rng.normal(0, cfg.position_noise), 0.6 + rng.normal(0, cfg.position_noise), 0.8))
            for _ in range(int(rng.poisson(1.0))):  # faces in the crowd
                people.append((rng.uniform(0, 1), rng.uniform(0, 0.4), rng.uniform(0.05, 0.12)))
        else:
            for x, y in world["players"][t]:
                if rng.random() < cfg.player_recall:
                    people.append((x + rng.normal(0, cfg.position_noise), y + rng.normal(0, cfg.position_noise), 0.1))
            if rng.random() < 0.05:
                people.append((rng.uniform(0, 1), rng.uniform(0, 1), 0.1))
        ball = None
        true_ball = world["ball"][t]
        if scene != "closeup" and not np.isnan(true_ball).any() and rng.random() < cfg.ball_recall:
            ball = tuple(true_ball + rng.normal(0, 0.01, 2))
        elif rng.random() < cfg.spurious_ball_rate:
            ball = (rng.uniform(0, 1), rng.uniform(0, 1))
        out.append({"people": people, "ball": ball})
    return out


def _on_court(x: float, y: float) -> bool:
    return COURT_X[0] - 0.08 <= x <= COURT_X[1] + 0.08 and COURT_Y[0] - 0.1 <= y <= COURT_Y[1] + 0.1


def label_functions(detections: list[dict], white_fraction: np.ndarray) -> np.ndarray:
    """(n, 6) votes of the six LFs (module docstring) over one sequence's detections, in frame order."""
    L = np.full((len(detections), len(LF_NAMES)), ABSTAIN, dtype=np.int64)
    previous_ball = None
    for t, det in enumerate(detections):
        court = [(x, y) for x, y, h in det["people"] if h < 0.3 and _on_court(x, y)]
        far, near = sum(y < NET_Y for _, y in court), sum(y >= NET_Y for _, y in court)
        if len(court) == 2 and far == 1 and near == 1:
            L[t, 0] = RALLY
        elif len(court) < 2:
            L[t, 0] = NO_RALLY
        if court and all(min(abs(y - COURT_Y[0]), abs(y - COURT_Y[1])) < 0.08 for _, y in court):
            L[t, 1] = RALLY
        elif any(abs(y - NET_Y) < 0.2 for _, y in court):
            L[t, 1] = NO_RALLY
        ball = det["ball"]
        if ball is not None and previous_ball is not None:
            moved = float(np.hypot(ball[0] - previous_ball[0], ball[1] - previous_ball[1]))
            L[t, 2] = RALLY if moved > 0.04 else NO_RALLY if moved < 0.015 else ABSTAIN
        if ball is not None and det["people"]:
            nearest = min(float(np.hypot(ball[0] - x, ball[1] - y)) for x, y, _ in det["people"])
            L[t, 3] = RALLY if nearest > 0.12 else NO_RALLY if nearest < 0.06 else ABSTAIN
        if white_fraction[t] < 0.01:
            L[t, 4] = NO_RALLY
        if any(h > 0.3 for _, _, h in det["people"]):
            L[t, 5] = NO_RALLY
        previous_ball = ball
    return L


def white_fraction(frames: np.ndarray) -> np.ndarray:
    """(n,) share of near-white pixels (every channel >= 200) in each frame: the court lines."""
    return (frames >= 200).all(axis=3).mean(axis=(1, 2))


# -- sequences and the dataset -----------------------------------------------------------------
def render_sequence(cfg: RenderConfig, index: int) -> dict:
    """One sequence: frames (n, size, size, 3) uint8, labels (n,), scenes, detections, L (n, 6)."""
    rng = np.random.default_rng([cfg.seed, index])
    surface = ("hard", "clay", "grass")[int(rng.integers(3))]
    brightness = float(rng.uniform(0.85, 1.15))
    scenes = _segments(rng, cfg.n_frames)
    world = _world(rng, scenes)
    crowd = np.column_stack([rng.uniform(0, 1, 40), rng.uniform(0, 0.5, 40), rng.integers(40, 256, (40, 3))])
    closeup_x = np.clip(0.5 + np.cumsum(rng.normal(0, 0.01, cfg.n_frames)), 0.25, 0.75)
    frames = np.stack([
        _draw_frame(scene, world["players"][t], world["ball"][t], surface, brightness, crowd, closeup_x[t], cfg.size)
        for t, scene in enumerate(scenes)
    ])
    detections = _detections(rng, scenes, world, closeup_x, cfg)
    labels = np.array([RALLY if s == "rally" else NO_RALLY for s in scenes], dtype=np.int64)
    return {"frames": frames, "labels": labels, "scenes": scenes, "detections": detections,
            "L": label_functions(detections, white_fraction(frames)), "surface": surface}


def sequence_split(cfg: RenderConfig) -> dict[str, np.ndarray]:
    """Sequence indices of train, dev and test (each sorted), from a permutation seeded by ``cfg.seed``."""
    order = np.random.default_rng(cfg.seed).permutation(cfg.n_sequences)
    return {"dev": np.sort(order[: cfg.n_dev]), "test": np.sort(order[cfg.n_dev: cfg.n_dev + cfg.n_test]),
            "train": np.sort(order[cfg.n_dev + cfg.n_test:])}


def png_data_uri(frame: np.ndarray) -> str:
    """A frame as ``data:image/png;base64,...``: lossless, and what ``liger.embed.image`` reads."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG", optimize=False, compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
