#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Test driver behind `make test` and its finer targets.
#
#   tests/utils/run-tests.sh [STEP...]        STEP: sanity units lint shellcheck docs e2e | all (default)
#
# Environment:
#   CORE_LINES    ansible-core lines to run, "new old" by default (new = 2.21, old = 2.19);
#                 docs and e2e run on the new line only.
#   PYTHON_NEW / PYTHON_OLD   interpreter overrides (see tests/utils/venv.sh).
#   STEP_TIMEOUT  seconds before one step is killed (default 900).
#   KEEP_TMP=1    keep the temporary collection copies and build output.
#
# Every step runs even when an earlier one failed (except steps that depend
# on it); the exit status is non-zero when any step failed.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
# shellcheck source=tests/utils/venv.sh
source "$(dirname "$SELF")/venv.sh"

ALL_STEPS=(sanity units lint shellcheck docs e2e)
PYTEST_DIRS=(tests/sandbox tests/e2e)
# Options shared by every module through the connection doc fragment.
SHARED_OPTIONS=(api_username api_password api_url validate_certs timeout retries)
# Section headings of `ansible-doc` text output that every module must have.
DOC_SECTIONS=('OPTIONS' 'ATTRIBUTES:' 'REQUIREMENTS:' 'AUTHOR' 'EXAMPLES:' 'RETURN VALUES:')

# ---------------------------------------------------------------------------
# Steps. Each runs in its own process (see run_step) with errexit in force.

step_venv() {
    local venv
    venv=$(ensure_tool_venv "$1")
    "$venv/bin/python" -m pip list --disable-pip-version-check --format=freeze 2>/dev/null |
        grep -iE '^(ansible-core|ansible-lint|pytest)=='
    "$venv/bin/python" --version
}

# A collection copy per line, shared by its sanity and units steps.
line_tree() {
    local line=$1 tree="$WORK_TMP/$1/ansible_collections"
    if [[ -d $tree ]]; then
        find "$tree" -mindepth 2 -maxdepth 2 -type d
    else
        log "Copying the collection to $WORK_TMP/$line"
        copy_collection_tree "$WORK_TMP/$line"
    fi
}

fail_on_sanity_ignores() {
    local file status=0
    for file in "$REPO_ROOT"/tests/sanity/ignore-*.txt; do
        [[ -e $file ]] || continue
        if grep -vqE '^[[:space:]]*(#|$)' "$file"; then
            log "ERROR: ${file#"$REPO_ROOT"/} has entries; fix the findings instead of ignoring them:"
            grep -vE '^[[:space:]]*(#|$)' "$file" >&2
            status=1
        fi
    done
    return "$status"
}

# Run ansible-test from the line's collection copy with the real target
# interpreters on PATH and the offline pip bootstrap in place.
run_ansible_test() {
    local line=$1 venv tree
    shift
    venv=$(venv_dir_of "$line")
    seed_get_pip_standin "$venv"
    tree=$(line_tree "$line")
    cd "$tree"
    PATH=$(tool_path "$venv") ansible-test "$@"
}

step_sanity() {
    run_ansible_test "$1" sanity --venv
    fail_on_sanity_ignores
}

step_units() {
    # ansible-test only warns when there is nothing to run.
    if [[ -z $(find "$REPO_ROOT/tests/unit" -name 'test_*.py' -print -quit 2>/dev/null) ]]; then
        die "no test_*.py files under tests/unit"
    fi
    run_ansible_test "$1" units --venv
}

step_lint() {
    local venv
    venv=$(venv_dir_of "$1")
    cd "$REPO_ROOT"
    PATH=$(tool_path "$venv") ansible-lint
}

step_shellcheck() {
    local -a scripts
    if ! command -v shellcheck >/dev/null 2>&1; then
        log "WARNING: shellcheck is not installed; nothing checked"
        return 0
    fi
    cd "$REPO_ROOT"
    mapfile -t scripts < <(git ls-files --cached --others --exclude-standard -- '*.sh' .ci/run 2>/dev/null ||
        find tests/utils .ci -type f \( -name '*.sh' -o -name run \))
    shellcheck --version | sed -n 2p
    shellcheck -x "${scripts[@]}"
    log "shellcheck: ${#scripts[@]} scripts clean"
}

step_build() {
    build_and_install_collection "$(venv_dir_of new)" "$WORK_TMP/collections"
}

# Check that one module's ansible-doc output has every section users rely on
# and the shared options (top-level options start a line with "=" or "-").
check_module_doc() {
    local fqcn=$1 text section option missing=()
    text=$(ANSIBLE_NOCOLOR=1 ansible-doc "$fqcn" 2>&1) || true
    printf '%s\n' "$text"
    grep -qF -- "> MODULE $fqcn " <<<"$text" || missing+=("the '> MODULE $fqcn' heading")
    for section in "${DOC_SECTIONS[@]}"; do
        grep -q -- "^$section" <<<"$text" || missing+=("section $section")
    done
    for option in "${SHARED_OPTIONS[@]}"; do
        grep -qE -- "^[=-] $option( |$)" <<<"$text" || missing+=("option $option")
    done
    if ((${#missing[@]})); then
        log "ERROR: ansible-doc $fqcn lacks:"
        printf '  - %s\n' "${missing[@]}" >&2
        return 1
    fi
    log "ansible-doc $fqcn: all ${#DOC_SECTIONS[@]} sections and ${#SHARED_OPTIONS[@]} shared options present"
}

step_docs() {
    local collection module failed=0
    local -a modules
    collection="$(galaxy_field namespace).$(galaxy_field name)"
    export ANSIBLE_COLLECTIONS_PATH="$WORK_TMP/collections"
    PATH=$(tool_path "$(venv_dir_of new)")
    cd "$WORK_TMP"
    mapfile -t modules < <(find "$REPO_ROOT/plugins/modules" -maxdepth 1 -name '*.py' ! -name '__init__.py' -printf '%f\n' 2>/dev/null | sort)
    ((${#modules[@]})) || die "no modules found under plugins/modules"
    for module in "${modules[@]}"; do
        check_module_doc "$collection.${module%.py}" || failed=1
    done
    (cd "$REPO_ROOT" && antsibull-docs lint-collection-docs --plugin-docs .) || failed=1
    (cd "$REPO_ROOT" && antsibull-changelog lint) || failed=1
    build_docsite "$collection" "${modules[@]}" || failed=1
    return "$failed"
}

# Build the HTML docsite offline: plugin pages plus docs/docsite (user guide, links).
# Without network, intersphinx inventories cannot load, so warnings are not errors here.
build_docsite() {
    local collection=$1 site="$WORK_TMP/docsite" html page
    shift
    local -a modules=("$@")
    mkdir -m 0755 "$site"  # antsibull-docs wants an existing directory only its owner may write
    antsibull-docs sphinx-init --use-current --dest-dir "$site" "$collection" >/dev/null
    sed -i 's/ -W --keep-going/ --keep-going/' "$site/build.sh"
    bash "$site/build.sh" >"$site/build.log" 2>&1 || { cat "$site/build.log" >&2; return 1; }
    html="$site/build/html/collections/${collection//.//}"
    for page in index.html docsite/guide.html "${modules[@]/%.py/_module.html}"; do
        [[ -s $html/$page ]] || { log "ERROR: docsite page $page was not built"; return 1; }
    done
    log "docsite built offline: $(find "$html" -name '*.html' | wc -l) pages under $html"
}

# Plain pytest over one test directory against the built and installed collection.
step_pytest() {
    local dir=$1 rc=0
    export ANSIBLE_COLLECTIONS_PATH="$WORK_TMP/collections"
    export MESSENTE_TEST_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH"
    PATH=$(tool_path "$(venv_dir_of new)")
    cd "$REPO_ROOT"
    python -m pytest -p no:cacheprovider -ra "$dir" || rc=$?
    if ((rc == 5)); then
        log "ERROR: pytest collected no tests in $dir"
    fi
    return "$rc"
}

# ---------------------------------------------------------------------------
# Orchestration.

STEP_NAMES=()
STEP_RESULTS=()
STEP_SECONDS=()
STEP_PID=""

format_duration() {
    printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

banner() {
    printf '\n%s\n== %s\n%s\n' "$(printf '=%.0s' {1..72})" "$*" "$(printf '=%.0s' {1..72})"
}

record() {
    STEP_NAMES+=("$1")
    STEP_RESULTS+=("$2")
    STEP_SECONDS+=("$3")
}

# run_step TITLE FUNCTION ARGS...: run a step function in a fresh process
# (own process group via timeout, so a hung step is killed as a whole) and
# record its outcome. Returns the step's exit status.
run_step() {
    local title=$1 start rc=0 result
    shift
    banner "$title"
    start=$SECONDS
    timeout -k 30 "$STEP_TIMEOUT" bash "$SELF" __step "$@" &
    STEP_PID=$!
    wait "$STEP_PID" || rc=$?
    STEP_PID=""
    case "$rc" in
        0) result=ok ;;
        124) result="FAILED (timed out after ${STEP_TIMEOUT}s)" ;;
        *) result="FAILED (exit $rc)" ;;
    esac
    record "$title" "$result" $((SECONDS - start))
    printf '== %s: %s in %s\n' "$title" "$result" "$(format_duration $((SECONDS - start)))"
    return "$rc"
}

skip_step() {
    record "$1" "skipped ($2)" 0
    printf '\n== %s: skipped (%s)\n' "$1" "$2"
}

wants() {
    local step
    for step in "${REQUESTED[@]}"; do
        [[ $step == "$1" ]] && return 0
    done
    return 1
}

# Run the venv step of a line, then its requested per-line steps.
# Returns non-zero when the venv could not be prepared.
run_line() {
    local line=$1 step label
    label="$line (ansible-core $(core_line_of "$line"))"
    if ! run_step "$label: venv" step_venv "$line"; then
        for step in sanity units lint; do
            if wants "$step"; then skip_step "$label: $step" "no venv"; fi
        done
        return 1
    fi
    if wants sanity; then run_step "$label: ansible-test sanity" step_sanity "$line" || true; fi
    if wants units; then run_step "$label: ansible-test units" step_units "$line" || true; fi
    if wants lint; then run_step "$label: ansible-lint" step_lint "$line" || true; fi
    return 0
}

# Steps that use the newest line's venv and the built collection.
run_newest_only() {
    local venv_ok=$1 dir label reason=""
    label="new (ansible-core $(core_line_of new))"
    if [[ $venv_ok != yes ]]; then
        reason="no venv"
    elif ! run_step "$label: build + install collection" step_build; then
        reason="build failed"
    fi
    if wants docs; then
        if [[ -n $reason ]]; then skip_step "$label: docs (ansible-doc, antsibull lint, docsite)" "$reason"; else run_step "$label: docs (ansible-doc, antsibull lint, docsite)" step_docs || true; fi
    fi
    wants e2e || return 0
    for dir in "${PYTEST_DIRS[@]}"; do
        if [[ -n $reason ]]; then
            skip_step "$label: pytest $dir" "$reason"
        elif [[ ! -d $REPO_ROOT/$dir ]]; then
            skip_step "$label: pytest $dir" "$dir does not exist yet"
        else
            run_step "$label: pytest $dir" step_pytest "$dir" || true
        fi
    done
}

print_summary() {
    local i failed=() total=0
    banner "Summary"
    for i in "${!STEP_NAMES[@]}"; do
        printf '  %-9s %-52s %s\n' "$(format_duration "${STEP_SECONDS[i]}")" "${STEP_NAMES[i]}" "${STEP_RESULTS[i]}"
        total=$((total + STEP_SECONDS[i]))
        [[ ${STEP_RESULTS[i]} == FAILED* ]] && failed+=("${STEP_NAMES[i]}")
    done
    printf '  %-9s %s\n' "$(format_duration "$total")" "sum of the steps"
    printf '  %-9s %s\n' "$(format_duration "$SECONDS")" "wall clock, including setup"
    if ((${#failed[@]})); then
        printf '\nRESULT: %d of %d steps FAILED:\n' "${#failed[@]}" "${#STEP_NAMES[@]}"
        printf '  - %s\n' "${failed[@]}"
        return 1
    fi
    printf '\nRESULT: all %d steps succeeded\n' "${#STEP_NAMES[@]}"
}

on_signal() {
    [[ -n $STEP_PID ]] && kill -TERM "$STEP_PID" 2>/dev/null
    log "Interrupted"
    exit 130
}

cleanup() {
    if [[ ${KEEP_TMP:-} == 1 ]]; then
        log "Kept temporary files in $WORK_TMP"
    else
        rm -rf "$WORK_TMP"
    fi
}

main() {
    local step line newest_only venv_ok
    REQUESTED=("$@")
    if ((${#REQUESTED[@]} == 0)) || [[ ${REQUESTED[*]} == all ]]; then
        REQUESTED=("${ALL_STEPS[@]}")
    fi
    for step in "${REQUESTED[@]}"; do
        [[ " ${ALL_STEPS[*]} " == *" $step "* ]] || die "unknown step '$step' (expected: ${ALL_STEPS[*]} all)"
    done
    STEP_TIMEOUT=${STEP_TIMEOUT:-900}
    WORK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/omnichannel-tests.XXXXXX")
    export WORK_TMP
    trap cleanup EXIT
    trap on_signal INT TERM
    if wants sanity || wants shellcheck; then
        ensure_shellcheck
    fi
    for line in ${CORE_LINES:-new old}; do
        core_line_of "$line" >/dev/null
        newest_only=no
        if [[ $line == new ]] && { wants docs || wants e2e; }; then newest_only=yes; fi
        venv_ok=yes
        if [[ $newest_only == yes ]] || wants sanity || wants units || wants lint; then
            run_line "$line" || venv_ok=no
        fi
        if [[ $newest_only == yes ]]; then run_newest_only "$venv_ok"; fi
    done
    if wants shellcheck; then run_step "shellcheck (repo scripts)" step_shellcheck || true; fi
    print_summary
}

# Internal: `run-tests.sh __step FUNCTION ARGS...` runs one step (see run_step).
if [[ ${1:-} == __step ]]; then
    shift
    "$@"
else
    main "$@"
fi
