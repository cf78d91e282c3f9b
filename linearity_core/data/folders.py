"""A ``.zip`` of class folders of images, the layout ``image_dataset_from_directory`` and
``ImageFolder`` read (``cat/1.png``, ``dog/2.jpg``; or ``train/cat/...`` and
``test/cat/...``), read into arrays safely: members bounded before anything is
decompressed, every image decoded with Pillow under a pixel limit, all of one size.
"""

import io
import zipfile
from collections import Counter, defaultdict
from pathlib import PurePosixPath

import numpy as np

from linearity_core.data.npz import MAX_CLASSES, MAX_TOTAL_BYTES, NpzArrays, check_sizes
from linearity_core.errors import LinearityError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_IMAGES = 200_000
MAX_PIXELS = 4096 * 4096  # one image; Pillow's own bomb check is turned on below it
TEST_SHARE = 0.2  # held out per class when the zip has no train/ and test/ folders


def _members(archive: zipfile.ZipFile) -> list[tuple[PurePosixPath, zipfile.ZipInfo]]:
    """Image files by path, without a single top folder the zip may wrap them in."""
    files = [
        (PurePosixPath(i.filename), i)
        for i in archive.infolist()
        if not i.is_dir()
        and i.filename.lower().endswith(IMAGE_SUFFIXES)
        and not any(part.startswith((".", "__MACOSX")) for part in PurePosixPath(i.filename).parts)
    ]
    while (
        files
        and all(len(p.parts) > 2 for p, _ in files)
        and len({p.parts[0] for p, _ in files}) == 1
    ):
        files = [(PurePosixPath(*p.parts[1:]), i) for p, i in files]
    return files


def _decode(raw: bytes, name: str, colour: bool) -> np.ndarray:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise LinearityError(f"{name} is {image.width}×{image.height} pixels; too large")
            return np.asarray(image.convert("RGB" if colour else "L"), dtype=np.uint8)
    except LinearityError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise LinearityError(f"{name} is not a readable image ({type(exc).__name__})") from exc


def _colour(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> bool:
    from PIL import Image

    with archive.open(infos[0]) as fh, Image.open(fh) as first:
        return first.mode not in ("L", "1", "I;16", "I", "F", "LA")


def read_image_folders(raw: bytes) -> NpzArrays:
    """The dataset in a zip of class folders (see the module's note)."""
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise LinearityError("it is not a valid .zip file (not a zip archive, or truncated)")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        check_sizes(archive.infolist())
        files = _members(archive)
        if not files:
            raise LinearityError(
                "it holds no .png or .jpg images; put each class's images in a folder named "
                "after the class (cat/1.png, dog/2.png)"
            )
        if len(files) > MAX_IMAGES:
            raise LinearityError(f"it holds {len(files):,} images; the limit is {MAX_IMAGES:,}")
        split = {p.parts[0] for p, _ in files} <= {"train", "test"} and all(
            len(p.parts) == 3 for p, _ in files
        )
        if not split and not all(len(p.parts) == 2 for p, _ in files):
            raise LinearityError(
                "its images are not in class folders; use class/image.png, or "
                "train/class/image.png and test/class/image.png"
            )
        classes = sorted({p.parts[-2] for p, _ in files})
        if len(classes) < 2 or len(classes) > MAX_CLASSES:
            raise LinearityError(
                f"it has {len(classes)} class folder(s); a dataset needs 2 to {MAX_CLASSES}"
            )
        colour = _colour(archive, [i for _, i in files])
        images, labels, parts = [], [], []
        for path, info in sorted(files, key=lambda f: str(f[0])):
            with archive.open(info) as fh:
                images.append(_decode(fh.read(info.file_size), str(path), colour))
            labels.append(classes.index(path.parts[-2]))
            parts.append(path.parts[0] if split else "")
    x = _stack(images, [str(p) for p, _ in sorted(files, key=lambda f: str(f[0]))])
    y = np.asarray(labels, np.int64)
    test = np.asarray(parts) == "test" if split else _held_out(y)
    if not test.any() or test.all():
        raise LinearityError("it needs images in both train/ and test/ (or let it split them)")
    return NpzArrays(x[~test], y[~test], x[test], y[test], tuple(classes))


def _stack(images: list[np.ndarray], names: list[str]) -> np.ndarray:
    sizes = Counter(img.shape for img in images)
    if len(sizes) > 1:
        (common, n), (other, _) = sizes.most_common(2)
        example = next(nm for nm, img in zip(names, images, strict=True) if img.shape == other)
        raise LinearityError(
            f"its images are not all one size: {n} are {common[1]}×{common[0]}, others "
            f"{other[1]}×{other[0]} (for example {example}); resize them to one size"
        )
    if sum(img.nbytes for img in images) > MAX_TOTAL_BYTES:
        raise LinearityError(
            f"its images decode to more than {MAX_TOTAL_BYTES // 2**20} MB; use fewer or "
            "smaller images"
        )
    return np.stack(images)


def _held_out(y: np.ndarray) -> np.ndarray:
    """A seeded, stratified test split: ``TEST_SHARE`` of each class (at least one)."""
    rng = np.random.default_rng(0)
    test = np.zeros(len(y), bool)
    by_class: dict[int, list[int]] = defaultdict(list)
    for k, label in enumerate(y):
        by_class[int(label)].append(k)
    for rows in by_class.values():
        if len(rows) < 2:
            continue
        count = max(1, round(TEST_SHARE * len(rows)))
        test[rng.choice(rows, size=count, replace=False)] = True
    return test
