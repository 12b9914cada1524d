#!/bin/sh
# make/setup.sh VENV [EXTRAS]: the project installed (editable) into VENV, with EXTRAS (e.g.
# "test,bench"; empty: what `make run` needs and nothing more). One line per phase.
#
# The installer is uv, installed from PyPI into VENV itself (nothing outside the project's
# environment is touched); when uv cannot be had (no network to PyPI, an unsupported platform),
# or fails to install (a certificate or index only pip's configuration names), or with
# INSTALLER=pip, plain pip does the same install. PYTHON: the interpreter that creates
# VENV when it does not exist (python3).
set -eu
venv=$1
extras=${2:-}
python=${PYTHON:-python3}
installer=${INSTALLER:-uv}
start=$(date +%s)
phase() { printf 'setup [%3ss] %s\n' "$(($(date +%s) - start))" "$*"; }

if [ ! -x "$venv/bin/python" ]; then
    phase "creating the environment $venv ($($python --version 2>&1))"
    # without pip: uv does not need it inside (pip comes in only on the pip path, below)
    "$python" -m venv --without-pip "$venv"
fi
py=$venv/bin/python
ensure_pip() { "$py" -m pip --version >/dev/null 2>&1 || "$py" -m ensurepip --upgrade --default-pip >/dev/null; }
# uv into the environment: by the creating interpreter's pip (pip >= 22.3: --python), else by the
# environment's own pip
get_uv() {
    "$python" -m pip --python "$py" install --quiet --disable-pip-version-check uv >/dev/null 2>&1 \
        || { ensure_pip && "$py" -m pip install --quiet --disable-pip-version-check uv >/dev/null 2>&1; }
}
target=.
[ -n "$extras" ] && target=".[$extras]"
what="nba_simulator${extras:+ with the $extras extras}"

uv=""
if [ "$installer" = uv ]; then
    if [ -x "$venv/bin/uv" ]; then
        uv=$venv/bin/uv
    else
        phase "getting the installer: uv from PyPI"
        if get_uv && [ -x "$venv/bin/uv" ]; then
            uv=$venv/bin/uv
        else
            phase "uv could not be installed: pip installs instead (slower)"
        fi
    fi
fi

if [ -n "$uv" ]; then
    phase "installing $what ($("$uv" --version))"
    # uv reads no pip configuration: the packages come from PyPI (UV_INDEX_URL etc. to change that)
    # --compile-bytecode: the .pyc files written once here, so no process compiles the libraries on
    # import (where PYTHONDONTWRITEBYTECODE is set, every process would, every run)
    # When uv fails (a proxy's certificate that only pip's configuration names, an index that
    # only pip.conf gives...), pip, which reads its configuration, tries the same install.
    if ! "$uv" pip install --quiet --compile-bytecode --python "$py" -e "$target"; then
        phase "uv could not install (above): pip installs instead (slower)"
        uv=""
    fi
fi
if [ -z "$uv" ]; then
    phase "installing $what (pip)"
    ensure_pip
    "$py" -m pip install --quiet --disable-pip-version-check --upgrade pip
    # setuptools' editable build says on every install that folders named like the package may
    # shadow it (a flat layout's note, not a problem here): that one message is filtered
    PYTHONWARNINGS='ignore:Editable installation' "$py" -m pip install --quiet --disable-pip-version-check -e "$target"
fi
phase "installed $what"
