"""scripts/install.sh installs into the project's own ./.venv unless PYTHON is set, so
the README's commands never touch the global Python. Run with stand-ins for python3,
the virtualenv's python and dot that log how they are called (no real install)."""
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAKE_PYTHON = """#!/bin/bash
echo "$(basename "$0") $*" >> "$LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && cp "$(dirname "$0")/venv-python" "$3/bin/python"
fi
exit 0
"""


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def project(tmp_path):
    """A copy of install.sh in a fresh project folder, and a bin/ of stand-ins."""
    (tmp_path / "proj" / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "install.sh", tmp_path / "proj" / "scripts")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    _executable(bin_ / "python3", FAKE_PYTHON)
    _executable(bin_ / "venv-python", '#!/bin/bash\necho "venv-python $*" >> "$LOG"\n')
    _executable(bin_ / "dot", "#!/bin/bash\nexit 0\n")
    return tmp_path


def _install(project, extra_env=None, extras="plots"):
    env = {"PATH": f"{project / 'bin'}:/usr/bin:/bin", "LOG": str(project / "log"),
           "HOME": str(project), **(extra_env or {})}
    run = subprocess.run(["bash", str(project / "proj" / "scripts" / "install.sh"), extras],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    log = (project / "log").read_text().splitlines()
    return run.stdout.strip(), log


def test_installs_into_a_new_project_venv_by_default(project):
    venv_python = str(project / "proj" / ".venv" / "bin" / "python")
    printed, log = _install(project)
    assert printed == venv_python
    assert "python3 -m venv .venv" in log
    assert "venv-python -m pip install -q --disable-pip-version-check -e .[plots]" in log
    assert not any(line.startswith("python3 -m pip") for line in log)   # global untouched
    assert (project / "proj" / ".venv" / ".gitignore").read_text() == "*\n"
    # a second run reuses the virtualenv
    (project / "log").unlink()
    printed, log = _install(project, extras="dev")
    assert printed == venv_python and not any("venv .venv" in line for line in log)
    assert "venv-python -m pip install -q --disable-pip-version-check -e .[dev]" in log


def test_python_overrides_the_venv(project):
    mine = project / "bin" / "my-python"
    _executable(mine, '#!/bin/bash\necho "my-python $*" >> "$LOG"\n')
    printed, log = _install(project, {"PYTHON": str(mine)})
    assert printed == str(mine)
    assert "my-python -m pip install -q --disable-pip-version-check -e .[plots]" in log
    assert not (project / "proj" / ".venv").exists()
    assert not any(line.startswith("python3") for line in log)
