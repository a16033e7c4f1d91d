# shellcheck shell=bash
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shared bootstrap helpers for the test tooling; source this file, do not run it.
#
#   source tests/utils/venv.sh
#   venv_dir=$(ensure_tool_venv 2.16)         # a line of tests/utils/matrix.txt, or new / old
#   PATH=$(tool_path "$venv_dir")             # venv + real target interpreters
#
# The lines, their controller Pythons and their steps come from tests/utils/matrix.txt.
# "new" (or "newest") names its last line, "old" (or "oldest") its first.
# A line's venv lives in <repo>/.venv/ansible-<core>: ansible-core==<core>.* plus
# tests/requirements/<step>.txt for each of the line's steps that has one. It is
# rebuilt only when those requirements or the interpreter change (.requirements-stamp).
# The interpreter is discovered (see find_line_python); PYTHON_2_16=/path/to/python
# and so on override it.
#
# Everything chatty goes to stderr so that functions can return values on stdout.
# Callers should run with `set -euo pipefail`; the helpers rely on errexit,
# including inside $(...), which bash only gives with inherit_errexit.
shopt -s inherit_errexit

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MATRIX_FILE="$REPO_ROOT/tests/utils/matrix.txt"
# Target Pythons that sanity compile/import should cover when they exist.
TARGET_PYTHON_MINORS=${TARGET_PYTHON_MINORS:-3.8 3.9 3.10 3.11 3.12 3.13}

log() {
    printf '%s\n' "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# ---------------------------------------------------------------------------
# The matrix.

# Print the matrix rows ("core pythons steps..."), without comments and blank lines.
matrix_rows() {
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$MATRIX_FILE"
}

# Print every ansible-core line of the matrix, oldest first.
matrix_lines() {
    matrix_rows | awk '{print $1}'
}

# Print the matrix row of one line; fail for a line that is not in the matrix.
matrix_row() {
    local row
    row=$(matrix_rows | awk -v core="$1" '$1 == core')
    [[ -n $row ]] || die "ansible-core line '$1' is not in ${MATRIX_FILE#"$REPO_ROOT"/} (lines: $(matrix_lines | xargs))"
    echo "$row"
}

# Print the matrix line a name stands for: a core version, or new/newest/old/oldest.
resolve_line() {
    case "$1" in
        new | newest) matrix_lines | tail -n1 ;;
        old | oldest) matrix_lines | head -n1 ;;
        *) matrix_row "$1" | awk '{print $1}' ;;
    esac
}

# Print the controller Python minors of a line, in order of preference, one per line.
line_pythons() {
    matrix_row "$1" | awk '{print $2}' | tr ',' '\n'
}

# Print the steps of a line, one per line.
line_steps() {
    matrix_row "$1" | awk '{for (i = 3; i <= NF; i++) print $i}'
}

line_has_step() {
    line_steps "$1" | grep -qxF -- "$2"
}

# ---------------------------------------------------------------------------
# Interpreters.

# Print the pyenv root, or nothing when pyenv is not installed.
pyenv_root() {
    local root=""
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root 2>/dev/null || true)
    fi
    root=${root:-${PYENV_ROOT:-$HOME/.pyenv}}
    if [[ -d $root/versions ]]; then
        echo "$root"
    fi
}

# Print the real executable of a candidate interpreter if it runs and its
# version is "3.N" (or any version when the second argument is empty). pyenv
# shims for inactive versions exist on PATH but exit 127, hence "actually runs"
# rather than "exists".
usable_python() {
    local candidate=$1 minor=${2:-}
    "$candidate" - "$minor" 2>/dev/null <<'PY'
import os
import sys
wanted = sys.argv[1]
if wanted and wanted != '%d.%d' % sys.version_info[:2]:
    sys.exit(1)
print(os.path.realpath(sys.executable))  # a venv's python is a link to its base; never hand out the venv itself
PY
}

# Print pyenv interpreters for the given minor versions, newest patch first.
pyenv_pythons() {
    local root minor
    root=$(pyenv_root)
    [[ -n $root ]] || return 0
    for minor in "$@"; do
        compgen -G "$root/versions/$minor.[0-9]*/bin/python$minor" | sort -rV || true
    done
}

# Print the interpreter of a line: the override variable (PYTHON_2_16, ...), else
# the first preferred minor found as pythonX.Y on PATH or as a real pyenv binary.
find_line_python() {
    local line=$1 var minor candidate found
    local -a minors candidates
    var="PYTHON_${line//./_}"
    if [[ -n ${!var:-} ]]; then
        found=$(usable_python "${!var}") || die "$var='${!var}' does not run"
        echo "$found"
        return 0
    fi
    mapfile -t minors < <(line_pythons "$line")
    for minor in "${minors[@]}"; do
        mapfile -t candidates < <(pyenv_pythons "$minor")
        for candidate in "python$minor" "${candidates[@]}"; do
            if found=$(usable_python "$candidate" "$minor"); then
                if [[ $minor != "${minors[0]}" ]]; then
                    log "NOTE: no Python ${minors[0]} found; ansible-core $line runs on Python $minor instead"
                fi
                echo "$found"
                return 0
            fi
        done
    done
    die "no Python ${minors[*]} found for ansible-core $line (set $var=/path/to/python)"
}

# ---------------------------------------------------------------------------
# Venvs.

venv_dir_of() {
    echo "$REPO_ROOT/.venv/ansible-$(resolve_line "$1")"
}

# Print the requirement files of a line's venv: one per step that has one.
requirement_files_of() {
    local step
    while read -r step; do
        if [[ -f $REPO_ROOT/tests/requirements/$step.txt ]]; then
            echo "$REPO_ROOT/tests/requirements/$step.txt"
        fi
    done < <(line_steps "$1")
}

# Create or reuse the venv of a line and print its directory.
ensure_tool_venv() {
    local line python venv stamp wanted lock_fd file
    local -a files pip_args
    line=$(resolve_line "$1")
    python=$(find_line_python "$line")
    venv=$(venv_dir_of "$line")
    stamp="$venv/.requirements-stamp"
    mapfile -t files < <(requirement_files_of "$line")
    pip_args=("ansible-core==$line.*")
    for file in "${files[@]}"; do
        pip_args+=(-r "$file")
    done
    # Serialise concurrent runs; the lock goes with this (sub)shell's fd.
    mkdir -p "$(dirname "$venv")"
    exec {lock_fd}>"$venv.lock"
    flock "$lock_fd"
    wanted="${pip_args[0]} $(cat /dev/null "${files[@]}" | sha256sum | cut -d' ' -f1) $python $("$python" -c 'import platform; print(platform.python_version())')"
    if [[ -f $stamp && $(<"$stamp") == "$wanted" && -x $venv/bin/python ]]; then
        log "Reusing $venv ($python)"
    else
        log "Creating $venv with $python: ${pip_args[*]#"$REPO_ROOT"/}"
        rm -rf "$venv"
        "$python" -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --disable-pip-version-check --quiet "${pip_args[@]}" >&2
        # Written last: an interrupted install is redone on the next run.
        printf '%s\n' "$wanted" >"$stamp"
    fi
    exec {lock_fd}>&-
    echo "$venv"
}

# Print PATH with the pyenv shim directory removed, because its shims for
# inactive versions are found first and then fail with exit status 127.
path_without_pyenv_shims() {
    local root entry result=""
    local -a entries
    root=$(pyenv_root)
    IFS=: read -r -a entries <<<"$PATH"
    for entry in "${entries[@]}"; do
        if [[ -n $root && $entry == "$root/shims" ]]; then
            continue
        fi
        result+="${result:+:}$entry"
    done
    echo "$result"
}

# Print a PATH for running ansible tools: the venv first, then one real
# interpreter per TARGET_PYTHON_MINORS entry that exists (so ansible-test
# sanity compile/import covers them), then PATH without pyenv shims.
tool_path() {
    local venv=$1 minor python dirs=""
    for minor in $TARGET_PYTHON_MINORS; do
        while read -r python; do
            if usable_python "$python" "$minor" >/dev/null; then
                dirs+="$(dirname "$python"):"
                break
            fi
        done < <(pyenv_pythons "$minor")
    done
    echo "$venv/bin:$dirs$(path_without_pyenv_shims)"
}

# ---------------------------------------------------------------------------
# ansible-test.

# Print the HOME that a line's ansible-test runs with, preparing it first.
# ansible-test keeps its per-test sanity venvs in ~/.ansible/test/venv without
# any locking, and different lines can want the same venv path; a HOME per line
# lets lines run in parallel. It lives under the user's cache so that it stays
# warm across clones, and shares the user's pip cache and pip configuration.
# Its legacy pip config (~/.pip/pip.conf, read besides ~/.config/pip) turns off
# compiling every installed file: ansible-test installs some twenty venvs per
# line, and Python compiles what is imported anyway.
ansible_test_home() {
    local line=$1 home cache config
    cache=${XDG_CACHE_HOME:-$HOME/.cache}
    config=${XDG_CONFIG_HOME:-$HOME/.config}
    home="$cache/messente-omnichannel/ansible-test-$line"
    mkdir -p "$home/.cache" "$home/.config" "$cache/pip"
    ln -sfn "${PIP_CACHE_DIR:-$cache/pip}" "$home/.cache/pip"
    if [[ -d $config/pip ]]; then
        ln -sfn "$config/pip" "$home/.config/pip"
    fi
    if [[ -e $HOME/.pip ]]; then
        ln -sfn "$HOME/.pip" "$home/.pip"
    elif [[ ! -e $home/.pip/pip.conf ]]; then
        mkdir -p "$home/.pip"
        printf '[install]\nno-compile = true\n' >"$home/.pip/pip.conf"
    fi
    echo "$home"
}

# Hold the lock of a line's ansible-test HOME until this (sub)shell exits:
# runs from other clones of the repository share that HOME.
lock_ansible_test_home() {
    local home=$1 lock_fd
    exec {lock_fd}>"$home.lock"
    if ! flock -n "$lock_fd"; then
        log "Waiting for another run's ansible-test in $home"
        flock "$lock_fd"
    fi
}

# Refresh the collection copy that a line's ansible-test runs in from the
# checkout and print its directory. It lives in the line's ansible-test HOME
# so that ansible-test's delegation venv (tests/output/.tmp/delegation, with
# the units requirements) survives from run to run; the rest is copied afresh.
refresh_ansible_test_tree() {
    local home=$1 parent tree kept
    parent="$home/tree"
    tree="$parent/ansible_collections/$(galaxy_field namespace)/$(galaxy_field name)"
    kept="$home/delegation.kept"
    rm -rf "$kept"
    if [[ -d $tree/tests/output/.tmp/delegation ]]; then
        mv "$tree/tests/output/.tmp/delegation" "$kept"
    fi
    copy_collection_tree "$parent" >/dev/null
    if [[ -d $kept ]]; then
        mkdir -p "$tree/tests/output/.tmp"
        mv "$kept" "$tree/tests/output/.tmp/delegation"
    fi
    echo "$tree"
}

# Copy the pip bootstrap stand-in to where the venv's ansible-test looks for
# its cached get-pip script (under the given HOME), for the pip version that
# ansible-test pins.
seed_get_pip_standin() {
    local venv=$1 home=$2 ansible_test_dir pip_version cache_dir
    ansible_test_dir=$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
    pip_version=$(grep -oP "^\s*pip='\K[0-9.]+" "$ansible_test_dir/_internal/python_requirements.py" | head -n1)
    [[ -n $pip_version ]] || die "cannot find the pip version pinned by $ansible_test_dir"
    cache_dir="$home/.ansible/test/cache"
    mkdir -p "$cache_dir"
    cp "$REPO_ROOT/tests/utils/get_pip_standin.py" "$cache_dir/get_pip_${pip_version//./_}.py"
}

# ---------------------------------------------------------------------------
# Tools and the collection.

# Install shellcheck with apt when it is missing and apt is usable; never fails.
ensure_shellcheck() {
    local -a sudo=()
    if command -v shellcheck >/dev/null 2>&1; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        log "WARNING: shellcheck missing and apt-get unavailable; shell checks will be skipped"
        return 0
    fi
    if [[ $(id -u) != 0 ]]; then
        if ! sudo -n true 2>/dev/null; then
            log "WARNING: shellcheck missing and apt-get needs root; shell checks will be skipped"
            return 0
        fi
        sudo=(sudo -n)
    fi
    log "Installing shellcheck with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 300 "${sudo[@]}" apt-get install -y -q shellcheck >&2; then
        timeout 300 "${sudo[@]}" apt-get update -q >&2 || true
        timeout 300 "${sudo[@]}" apt-get install -y -q shellcheck >&2 ||
            log "WARNING: could not install shellcheck; shell checks will be skipped"
    fi
    return 0
}

galaxy_field() {
    sed -n "s/^$1:[[:space:]]*['\"]\{0,1\}\([^'\"[:space:]]*\).*/\1/p" "$REPO_ROOT/galaxy.yml" | head -n1
}

# Print the files of the collection that belong in a copy: what git tracks or
# would track (respecting .gitignore), or everything when not in a git checkout.
collection_files() {
    local file
    if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$REPO_ROOT" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' file; do
                # Tracked files deleted in the work tree are listed too; skip them.
                if [[ -e $REPO_ROOT/$file || -L $REPO_ROOT/$file ]]; then
                    printf '%s\0' "$file"
                fi
            done
    else
        (cd "$REPO_ROOT" && find . -mindepth 1 \
            \( -name .git -o -name .venv -o -name .ansible -o -path ./tests/output \) -prune -o \
            \( -type f -o -type l \) -print0)
    fi
}

# Copy the collection to <parent>/ansible_collections/<namespace>/<name> and
# print that directory. ansible-test needs its working directory to really be
# there (a symlinked tree is resolved and rejected), hence a copy.
copy_collection_tree() {
    local parent=$1 dest
    dest="$parent/ansible_collections/$(galaxy_field namespace)/$(galaxy_field name)"
    rm -rf "$dest"
    mkdir -p "$dest"
    collection_files |
        tar -C "$REPO_ROOT" --exclude=.git --exclude=.venv --exclude=.ansible --exclude=tests/output \
            --null -T - -cf - |
        tar -C "$dest" -xf -
    echo "$dest"
}

# Build the collection from the checkout and install the tarball under
# <dir>/ansible_collections; <dir> is then usable as ANSIBLE_COLLECTIONS_PATH.
# The tarball stays in <dir>/build.
build_and_install_collection() {
    local venv=$1 dir=$2
    mkdir -p "$dir/build"
    "$venv/bin/ansible-galaxy" collection build --force --output-path "$dir/build" "$REPO_ROOT" >&2
    ANSIBLE_COLLECTIONS_PATH=$dir "$venv/bin/ansible-galaxy" collection install --offline --force -p "$dir" "$dir"/build/*.tar.gz >&2
}
