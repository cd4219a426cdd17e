"""`pip install` of the package (no PyPI here: --no-build-isolation uses this Python's
setuptools; --no-deps since boto3 is already there) into a temporary --target, then pytest
finds the plugin through its pytest11 entry point, without -p."""
import os
import shutil
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_pip_install_registers_the_pytest_plugin(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC, src, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", ".pytest_cache"))
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index",
                          "--disable-pip-version-check", "--target", str(site), str(src)],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (site / "athena_emu" / "pytest_plugin.py").exists()

    env = dict(os.environ, PYTHONPATH=str(site))
    env.pop("PYTEST_PLUGINS", None)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    probe = ("import importlib.metadata as m; "
             "eps = m.entry_points(); "
             "print([(e.name, e.value) for e in (eps.select(group='pytest11') if hasattr(eps, 'select') "
             "else eps.get('pytest11', []))])")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, cwd=str(tmp_path))
    assert "('athena_emu', 'athena_emu.pytest_plugin')" in out.stdout, out.stdout + out.stderr

    user = tmp_path / "user"
    user.mkdir()
    (user / "test_user.py").write_text(
        "import athena_emu\n"
        "def test_it(athena_client):\n"
        "    assert athena_emu.__file__.startswith(%r)\n"
        "    assert athena_client.get_session_status(SessionId='example-idle')['Status']['State'] == 'IDLE'\n"
        % str(site))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(user)],
                         env=env, capture_output=True, text=True, cwd=str(user))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
