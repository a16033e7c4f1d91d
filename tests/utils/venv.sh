# shellcheck shell=bash
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shared bootstrap helpers for the test tooling; source this file, do not run it.
#
#   source tests/utils/venv.sh
#   venv_dir=$(ensure_tool_venv new)          # or: old
#   PATH=$(tool_path "$venv_dir")             # venv + real target interpreters
#
# Two "lines" are supported:
#   new  ansible-core 2.21 on Python 3.12/3.13   (override: PYTHON_NEW=/path/to/python)
#   old  ansible-core 2.19 on Python 3.11        (override: PYTHON_OLD=/path/to/python)
# Tool venvs live in <repo>/.venv/ansible-<core> and are rebuilt only when the
# requirements file or the interpreter changes (see .venv/*/.requirements-stamp).
#
# Everything chatty goes to stderr so that functions can return values on stdout.
# Callers should run with `set -euo pipefail`; the helpers rely on errexit,
# including inside $(...), which bash only gives with inherit_errexit.
shopt -s inherit_errexit

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Target Pythons that sanity compile/import should cover when they exist.
TARGET_PYTHON_MINORS=${TARGET_PYTHON_MINORS:-3.8 3.9 3.10 3.11 3.12 3.13}

log() {
    printf '%s\n' "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# Print the ansible-core line ("2.21" / "2.19") used by a line name.
core_line_of() {
    case "$1" in
        new) echo 2.21 ;;
        old) echo 2.19 ;;
        *) die "unknown line '$1' (expected new or old)" ;;
    esac
}

requirements_file_of() {
    echo "$REPO_ROOT/tests/requirements/ansible-$(core_line_of "$1").txt"
}

venv_dir_of() {
    echo "$REPO_ROOT/.venv/ansible-$(core_line_of "$1")"
}

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
# version is within [min, max] (as "3.N"). pyenv shims for inactive versions
# exist on PATH but exit 127, hence "actually runs" rather than "exists".
usable_python() {
    local candidate=$1 min=$2 max=$3
    "$candidate" - "$min" "$max" 2>/dev/null <<'PY'
import os
import sys
low, high = (tuple(int(p) for p in v.split('.')) for v in sys.argv[1:3])
if low <= sys.version_info[:2] <= high:
    print(os.path.realpath(sys.executable))  # a venv's python is a link to its base; never hand out the venv itself
else:
    sys.exit(1)
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

# Print the interpreter for a line: the override variable, then versioned
# interpreters on PATH, then pyenv's real (non-shim) binaries.
find_line_python() {
    local line=$1 override min max candidate found
    local -a minors candidates
    case "$line" in
        new) override=${PYTHON_NEW:-}; min=3.12; max=3.13; minors=(3.13 3.12) ;;
        old) override=${PYTHON_OLD:-}; min=3.11; max=3.11; minors=(3.11) ;;
        *) die "unknown line '$line'" ;;
    esac
    if [[ -n $override ]]; then
        found=$(usable_python "$override" "$min" "$max") ||
            die "interpreter override '$override' for the $line line does not run or is not Python $min..$max"
        echo "$found"
        return 0
    fi
    mapfile -t candidates < <(pyenv_pythons "${minors[@]}")
    for candidate in "${minors[@]/#/python}" "${candidates[@]}"; do
        if found=$(usable_python "$candidate" "$min" "$max"); then
            echo "$found"
            return 0
        fi
    done
    die "no Python $min..$max found for the $line line (set PYTHON_$(tr '[:lower:]' '[:upper:]' <<<"$line")=/path/to/python)"
}

file_sha256() {
    sha256sum "$1" | cut -d' ' -f1
}

# Create or reuse the tool venv of a line and print its directory.
ensure_tool_venv() {
    local line=$1 python requirements venv stamp wanted lock_fd
    python=$(find_line_python "$line")
    requirements=$(requirements_file_of "$line")
    venv=$(venv_dir_of "$line")
    stamp="$venv/.requirements-stamp"
    # Serialise concurrent runs; the lock goes with this (sub)shell's fd.
    mkdir -p "$(dirname "$venv")"
    exec {lock_fd}>"$venv.lock"
    flock "$lock_fd"
    wanted="$(file_sha256 "$requirements") $python $("$python" -c 'import platform; print(platform.python_version())')"
    if [[ -f $stamp && $(<"$stamp") == "$wanted" && -x $venv/bin/python ]]; then
        log "Reusing $venv ($python)"
    else
        log "Creating $venv with $python from ${requirements#"$REPO_ROOT"/}"
        rm -rf "$venv"
        "$python" -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$requirements" >&2
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
            if usable_python "$python" "$minor" "$minor" >/dev/null; then
                dirs+="$(dirname "$python"):"
                break
            fi
        done < <(pyenv_pythons "$minor")
    done
    echo "$venv/bin:$dirs$(path_without_pyenv_shims)"
}

# Copy the pip bootstrap stand-in to where the venv's ansible-test looks for
# its cached get-pip script, for the pip version that ansible-test pins.
seed_get_pip_standin() {
    local venv=$1 ansible_test_dir pip_version cache_dir
    ansible_test_dir=$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
    pip_version=$(grep -oP "^\s*pip='\K[0-9.]+" "$ansible_test_dir/_internal/python_requirements.py" | head -n1)
    [[ -n $pip_version ]] || die "cannot find the pip version pinned by $ansible_test_dir"
    cache_dir="$HOME/.ansible/test/cache"
    mkdir -p "$cache_dir"
    cp "$REPO_ROOT/tests/utils/get_pip_standin.py" "$cache_dir/get_pip_${pip_version//./_}.py"
}

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
build_and_install_collection() {
    local venv=$1 dir=$2
    mkdir -p "$dir/build"
    "$venv/bin/ansible-galaxy" collection build --force --output-path "$dir/build" "$REPO_ROOT" >&2
    "$venv/bin/ansible-galaxy" collection install --offline --force -p "$dir" "$dir"/build/*.tar.gz >&2
}
