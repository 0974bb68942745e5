"""Downloading and unpacking a dataset archive so that a half-done job never looks finished."""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from shared.datasets.errors import DataError

IMDB_URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
# The checksum of aclImdb_v1.tar.gz that independent public loaders (e.g. MLDatasets.jl)
# verify; a truncated or changed download fails here, not as a confusing tarfile error.
IMDB_SHA256 = "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"
IMDB_FOLDER = "aclImdb"

_CHUNK_BYTES = 1 << 20
_TIMEOUT_S = 60


def download_and_extract(
    url: str,
    destination_dir: str | os.PathLike,
    sha256: str | None = None,
    progress: bool = True,
    folder_name: str | None = None,
) -> Path:
    """Downloads a `.tar.gz` or `.zip` archive and extracts its one top-level folder.

    Each step finishes under a temporary name and is then renamed into place: the
    download goes to `<archive>.part`, the extraction to a hidden `.<archive>.extract-*`
    folder. So a killed run leaves nothing that a later run mistakes for a finished one;
    the later run simply starts that step again. The archive is kept next to the folder,
    so extracting again needs no download; delete it to save space.

    An archive whose name ends in `.zip` is read as a zip file, anything else as
    `.tar.gz`. A zip that holds loose files rather than one folder (as manythings.org's
    `spa-eng.zip`: `spa.txt` and `_about.txt`) is extracted into a folder named after
    the archive, e.g. `spa-eng`; a `.tar.gz` must hold one folder.

    Args:
        url: where to download from; `file://` URLs work too.
        destination_dir: the folder to put the archive and the extracted folder in.
        sha256: the archive's expected sha256 (hex), or None not to check it.
        progress: whether to write progress and status lines to stderr.
        folder_name: the top-level folder the archive holds (e.g. `IMDB_FOLDER`), or for a
            zip of loose files its name without `.zip`. If it already exists nothing is
            downloaded. If None, it is read from the archive.

    Returns:
        The path of the extracted folder, e.g. `<destination_dir>/aclImdb`.

    Raises:
        DataError: when the download fails, the checksum differs, or the archive is
            damaged, unsafe (paths leaving the folder) or not one top-level folder.
    """
    destination = Path(destination_dir)
    destination.mkdir(parents=True, exist_ok=True)
    archive = destination / (PurePosixPath(urllib.parse.urlparse(url).path).name or "download")
    if folder_name is None and archive.is_file():
        folder_name = _top_folder(archive)
    if folder_name and (destination / folder_name).is_dir():
        _say(progress, f"{destination / folder_name} already exists; not downloading {url}.")
        return destination / folder_name
    if archive.is_file() and sha256 and _sha256_of(archive) != sha256.lower():
        _say(progress, f"{archive} does not match its sha256; downloading it again.")
        archive.unlink()
    if not archive.is_file():
        _download(url, archive, sha256, progress)
    return _extract(archive, destination, folder_name, progress)


def _download(url: str, archive: Path, sha256: str | None, progress: bool) -> None:
    """Downloads `url` to `archive.part`, checks it, then renames it to `archive`."""
    part = archive.with_name(archive.name + ".part")
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response, open(part, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            bar = _Progress(archive.name, total, progress)
            while chunk := response.read(_CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                bar.update(received)
            bar.close()
        if total is not None and received != total:
            raise http.client.IncompleteRead(b"", total - received)
    except (OSError, http.client.HTTPException, ValueError) as error:
        part.unlink(missing_ok=True)
        raise DataError(
            f"Expected to download {url}. Received: {error!r}. Check the connection, or "
            "download and extract it by hand and pass the folder with --data."
        ) from error
    if sha256 and digest.hexdigest() != sha256.lower():
        part.unlink()
        raise DataError(
            f"Expected {url} to have sha256 {sha256.lower()}. Received: {digest.hexdigest()} "
            f"({received} bytes). The download was corrupted or the file changed; it has been "
            "deleted. Try again, or download it by hand and pass the folder with --data."
        )
    os.replace(part, archive)


def _extract(archive: Path, destination: Path, folder_name: str | None, progress: bool) -> Path:
    """Extracts `archive` into a hidden folder, then renames its top folder into place."""
    prefix = f".{archive.name}.extract-"
    for stale in destination.glob(prefix + "*"):  # Left by a killed run; never complete.
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=destination))
    try:
        _say(progress, f"Extracting {archive} ...")
        try:
            if _is_zip(archive):
                _extract_zip(archive, work)
            else:
                with tarfile.open(archive, "r:gz") as tar:
                    # The "data" filter refuses absolute paths, `..`, links leaving the
                    # folder and device files, so an archive cannot write outside `work`.
                    tar.extractall(work, filter="data")
        except tarfile.FilterError as error:
            raise DataError(
                f"Expected {archive} to hold only files inside its folder. Received an unsafe "
                f"member: {error}. Nothing was extracted."
            ) from error
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error) as error:
            archive.unlink()
            kind = ".zip" if _is_zip(archive) else ".tar.gz"
            raise DataError(
                f"Expected {archive} to be a readable {kind} archive. Received: {error}. "
                "It has been deleted; run again to download it afresh."
            ) from error
        entries = sorted(work.iterdir())
        if len(entries) != 1 or not entries[0].is_dir():
            found = [entry.name for entry in entries]
            raise DataError(f"Expected {archive} to hold one top-level folder. Received: {found}.")
        if folder_name and entries[0].name != folder_name:
            raise DataError(
                f"Expected {archive} to hold a folder named {folder_name!r}. "
                f"Received: {entries[0].name!r}."
            )
        target = destination / entries[0].name
        if target.exists():
            _say(progress, f"{target} already exists; keeping it.")
        else:
            os.replace(entries[0], target)  # Atomic: the folder appears complete or not at all.
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _is_zip(archive: Path) -> bool:
    return archive.name.lower().endswith(".zip")


def _extract_zip(archive: Path, work: Path) -> None:
    """Extracts a zip into `work`, loose top-level files into `work/<archive stem>`."""
    with zipfile.ZipFile(archive) as zip_file:
        # macOS adds resource forks under __MACOSX/; they are not data, and would make a
        # one-folder zip look like loose files.
        names = [name for name in zip_file.namelist() if not name.startswith("__MACOSX/")]
        for name in names:
            # zipfile would quietly rewrite such names; refuse the archive instead, as the
            # tar "data" filter does, since it was not made for this use.
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0]:
                raise DataError(
                    f"Expected {archive} to hold only files inside its folder. Received an "
                    f"unsafe member: {name!r}. Nothing was extracted."
                )
        folder, nested = _zip_layout(archive, names)
        zip_file.extractall(work if nested else work / folder, members=names)


def _zip_layout(archive: Path, names: list[str]) -> tuple[str, bool]:
    """Returns the folder a zip extracts to, and whether the zip itself holds that folder.

    A zip of loose files (manythings.org's) gets a folder named after the archive, so
    the result is always one folder that can be renamed into place atomically.
    """
    names = [name for name in names if not name.startswith("__MACOSX/")]
    tops = {name.split("/")[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return tops.pop(), True
    return archive.name[: -len(".zip")], False


def _top_folder(archive: Path) -> str | None:
    """Returns the top-level folder named by an archive's first member, or None."""
    if _is_zip(archive):
        try:
            with zipfile.ZipFile(archive) as zip_file:
                return _zip_layout(archive, zip_file.namelist())[0]
        except (zipfile.BadZipFile, OSError):
            return None  # Extraction will say what is wrong with it.
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.next()
    except (tarfile.TarError, EOFError, zlib.error, OSError):
        return None  # Extraction will say what is wrong with it.
    return PurePosixPath(member.name).parts[0] if member is not None else None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _say(enabled: bool, message: str) -> None:
    if enabled:
        print(message, file=sys.stderr, flush=True)


class _Progress:
    """A one-line percentage on stderr; Keras's Progbar would import TensorFlow."""

    def __init__(self, name: str, total: int | None, enabled: bool):
        self._name = name
        self._total = total
        self._enabled = enabled
        # Without a terminal, rewriting one line with `\r` would litter logs; print less.
        self._step = 1 if enabled and sys.stderr.isatty() else 10
        self._shown = -1

    def update(self, received: int) -> None:
        if not self._enabled:
            return
        if self._total:
            percent = received * 100 // self._total
            if percent // self._step == self._shown // self._step:
                return
            self._shown = percent
            line = f"{self._name}: {percent}% of {self._total / 1e6:.1f} MB"
        else:
            megabytes = received // 10_000_000
            if megabytes == self._shown:
                return
            self._shown = megabytes
            line = f"{self._name}: {received / 1e6:.0f} MB"
        end = "" if self._step == 1 else "\n"
        print(("\r" if self._step == 1 else "") + line, end=end, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._enabled and self._step == 1:
            print(file=sys.stderr, flush=True)
