"""The command line: --help everywhere, one-line errors with exit 2, screening the demo."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from successgaps_lib import cli

BAD = Path(__file__).resolve().parent / "files" / "bad"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "successgaps_lib.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.mark.parametrize("name", [None, *cli.COMMANDS])
def test_help(name, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main([name, "--help"] if name else ["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: successgaps") and (name is None or name in out)


def _bad_files():
    expected = yaml.safe_load((BAD / "expected.yml").read_text()) if (BAD / "expected.yml").exists() else {}
    return sorted(expected.items())


@pytest.mark.parametrize(("name", "entry"), _bad_files())
def test_bad_file_is_one_line_and_exit_2(name, entry, capsys):
    """Every file of the bad-file corpus: one line on stderr, no traceback, exit code 2."""
    args = ["screen", str(BAD / name)]
    mapping = entry.get("mapping") if isinstance(entry, dict) else None
    if mapping:
        args += ["--mapping", str(BAD / mapping)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("successgaps: error: ") and name in lines[0]


def test_bad_file_in_a_real_process_prints_no_traceback():
    name = _bad_files()[0][0]
    result = run("screen", BAD / name)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert name in result.stderr


def test_missing_file_is_one_line():
    result = run("screen", "no/such/file.csv")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no/such/file.csv" in result.stderr


def test_demo_screens_the_demo_with_every_option_of_screen(tmp_path, monkeypatch, capsys):
    """`make demo` runs `successgaps demo`: its screen step must follow screen's options (a new
    option of screen once broke it with an AttributeError)."""
    from successgaps_lib import handouts

    built = []
    monkeypatch.setattr(handouts, "build_handouts", lambda *a, **k: built.append(k["out"]) or [])
    assert cli.main(["demo", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "gaps.csv").stat().st_size > 0 and built == [tmp_path]
    assert "screened gaps written" in capsys.readouterr().out
