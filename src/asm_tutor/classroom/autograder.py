"""`asm-tutor pack autograder DIR DEST`: a ready Gradescope autograder for a pack.

    DEST/setup.sh          installs Python, bubblewrap, rustc and asm-tutor; builds the hidden tests
    DEST/run_autograder    grades /autograder/submission into /autograder/results/results.json
    DEST/pack/             the hand-out (`pack export`): no reference solutions
    DEST/dist/*.whl        the asm-tutor wheel to install, when one is given
    DEST/autograder.zip    all of the above, to upload

The scripts are the files beside this module (data, not code written here); only the
package to install is filled in.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from asm_tutor import __version__
from asm_tutor.authoring.export import ExportResult, export_handout
from asm_tutor.errors import UserError

SCRIPTS = Path(__file__).parent / "gradescope"
SETUP, RUN = "setup.sh", "run_autograder"
PACK_FOLDER = "pack"
ZIP_NAME = "autograder.zip"
PIP_SPEC = "@@PIP_SPEC@@"


@dataclass(frozen=True)
class Autograder:
    dest: Path
    archive: Path
    handout: ExportResult


def write_autograder(pack_dir: Path, dest: Path, *, wheel: Path | None = None) -> Autograder:
    """The autograder for the pack at `pack_dir`, in the new folder `dest`. UserError (exit 2) when
    `dest` is in the way or `wheel` is no wheel; PackError when the pack does not load."""
    if wheel is not None and (wheel.suffix != ".whl" or not wheel.is_file()):
        raise UserError(f"{wheel} is not a wheel file (.whl).", exit_code=2)
    handout = export_handout(pack_dir, Path(dest) / PACK_FOLDER)  # refuses a DEST in use
    dest = handout.dest.parent
    setup = (SCRIPTS / SETUP).read_text(encoding="utf-8").replace(PIP_SPEC, f"asm-tutor=={__version__}")
    (dest / SETUP).write_text(setup, encoding="utf-8")
    shutil.copyfile(SCRIPTS / RUN, dest / RUN)
    for script in (SETUP, RUN):
        (dest / script).chmod(0o755)
    if wheel is not None:
        (dest / "dist").mkdir()
        shutil.copyfile(wheel, dest / "dist" / wheel.name)
    archive = dest / ZIP_NAME
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(dest.rglob("*")):
            if path.is_file() and path != archive:
                info = zipfile.ZipInfo.from_file(path, path.relative_to(dest).as_posix())
                info.compress_type = zipfile.ZIP_DEFLATED
                zipped.writestr(info, path.read_bytes())  # from_file keeps the scripts' execute bits
    return Autograder(dest, archive, handout)
