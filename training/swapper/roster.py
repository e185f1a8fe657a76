"""Who the swapper swaps: the source people (whose faces are put in) and the target clips (whose faces are replaced).

Chosen by eye from a contact sheet of every real clip in ../shared/data outside dfl/ (dfl/ is held out: it is the test
of a detector trained on our swaps, so neither its people nor its clips may appear here). Left out: the three TED
clips (full body, faces ~15 px), a child (talking-heads/liveportrait-d11), ghost's two-person call capture (two faces
in one frame; the merger swaps one face per frame). Same person in two clips: faces.ALIASES (AOC in HDTF and
video-retalking face3, Obama in LIA's vox clip and GHOST's obama_short, the four faceswap-GAN clips of one woman: only
one of each is used). training/swapper/identities.py checks with a face-recognition embedding that no two listed
people are one person.

Sources: long, mostly frontal clips with varied sex, age and skin (the model gives each its own decoder, so the fewer,
the more training each gets). Targets: every other usable person, the first TARGET_SECONDS of the clip (a swap and its
real pair are those frames), each swapped by two sources (SOURCES_PER_TARGET), so every target gives two swap clips.
"""
from __future__ import annotations

SOURCE_SECONDS = 8.0
TARGET_SECONDS = 4.0
SOURCES_PER_TARGET = 2

SOURCES = [
    "talking-heads/liveportrait-d6.mp4",  # woman, dark hair tied up
    "talking-heads/liveportrait-d10.mp4",  # young woman, long dark hair
    "more/talking-heads-2/real/sadtalker-hdtf__RD_Radio34_000.mp4",  # older woman, blonde
    "more/talking-heads-2/real/lia__vox-obama.mp4",  # Barack Obama
    "talking-heads/liveportrait-d18.mp4",  # young man, short brown hair
    "more/talking-heads-2/real/tpsmm__driving.mp4",  # Jackie Chan
]

TARGETS = [
    "talking-heads/liveportrait-d0.mp4",
    "talking-heads/liveportrait-d12.mp4",
    "talking-heads/liveportrait-d13.mp4",
    "talking-heads/liveportrait-d14.mp4",
    "talking-heads/liveportrait-d19.mp4",
    "talking-heads/liveportrait-d20.mp4",
    "talking-heads/liveportrait-d3.mp4",
    "talking-heads/liveportrait-d9.mp4",
    "more/talking-heads-2/real/dagan__driving.mp4",
    "more/talking-heads-2/real/lia__vox-driving1.mp4",
    "more/talking-heads-2/real/lia__vox-driving2.mp4",
    "more/talking-heads-2/real/lia__vox-driving3.mp4",
    "more/talking-heads-2/real/sadtalker-hdtf__RD_Radio2_000.mp4",
    "more/talking-heads-2/real/sadtalker-hdtf__WDA_AlexandriaOcasioCortez_000.mp4",
    "more/talking-heads-2/real/sadtalker-hdtf__WDA_BobMenendez_000.mp4",
    "more/talking-heads-2/real/sadtalker-hdtf__WDA_EdMarkey0_000.mp4",
    "more/talking-heads-2/real/sadtalker-hdtf__WDA_KatieHill_000.mp4",
    "more/talking-heads-2/real/video-retalking__face1.mp4",
    "more/talking-heads-2/real/video-retalking__face2.mp4",
    "more/talking-heads-2/real/video-retalking__face4.mp4",
    "more/talking-heads-2/real/video-retalking__face5.mp4",
    "more/ghost/real/dirtydancing.mp4",
    "more/ghost/real/nggyup.mp4",
    "more/ghost/real/orig.mp4",
    "more/ghost/real/random_gif.mp4",
    "more/ghost/real/video5_mod.mp4",
    "more/ff-deepfakes/real/519.mp4",
    "more/ff-faceswap/real/634.mp4",
    "more/ff-neuraltextures/real/004.mp4",
    "more/dfdc-clips/real/lynaeydofd.mp4",
    "more/faceswap-gan/real/mask_visualization__source.mp4",
]


def sources_for(target_index: int, n_sources: int = len(SOURCES), k: int = SOURCES_PER_TARGET) -> list[int]:
    """The sources swapped onto target number `target_index`: k different ones, rotating so that every source gets
    about the same number of targets and neighbours in the list get different pairs."""
    first = target_index % n_sources
    step = 1 + (target_index // n_sources) % (n_sources - 1)
    return [(first + j * step) % n_sources for j in range(k)]


def pairs() -> list[tuple[str, str]]:
    """(source clip, target clip) for every swap to make."""
    return [(SOURCES[s], t) for i, t in enumerate(TARGETS) for s in sources_for(i)]
