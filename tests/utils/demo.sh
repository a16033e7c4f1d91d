#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# SPDX-FileCopyrightText: 2026 messente.omnichannel contributors
#
# make demo: build and install the collection, start the local Messente sandbox as the API endpoint, run the
# example playbook messente.omnichannel.schedule_inspect_cancel against it, print what happened, stop the sandbox.
# Nothing leaves 127.0.0.1. The same playbook runs unchanged against the real API when MESSENTE_API_URL is unset
# and real credentials are exported.
set -euo pipefail
# shellcheck source=tests/utils/venv.sh
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"

SANDBOX_USER=sandbox-user
SANDBOX_PASSWORD=sandbox-password-not-secret
work=""
sandbox_pid=""

stop_sandbox() {
    if [[ -n $sandbox_pid ]] && kill -0 "$sandbox_pid" 2>/dev/null; then
        kill "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    sandbox_pid=""
}

cleanup() {
    stop_sandbox
    [[ -z $work ]] || rm -rf "$work"
}

# Start the sandbox on a free loopback port (in this shell, so cleanup knows its pid).
start_sandbox() {
    local python=$1
    "$python" "$REPO_ROOT/tests/sandbox/messente_sandbox.py" --port 0 --port-file "$work/sandbox.port" \
        --username "$SANDBOX_USER" --password "$SANDBOX_PASSWORD" --max-lifetime 300 >"$work/sandbox.log" 2>&1 &
    sandbox_pid=$!
}

# Print the sandbox's port once it listens.
sandbox_port() {
    for _attempt in $(seq 1 100); do
        if [[ -s $work/sandbox.port ]]; then
            cat "$work/sandbox.port"
            return 0
        fi
        kill -0 "$sandbox_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/sandbox.log" >&2
    die "the sandbox did not start"
}

# Print the API calls the sandbox answered, one line each.
show_sandbox_log() {
    local python=$1 port=$2
    "$python" - "$port" <<'PY'
import json
import sys
import urllib.request

with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/_sandbox/requests", timeout=5) as answer:
    calls = json.load(answer)
print("What the sandbox received:")
for call in calls:
    print(f"  {call['method']:<6} {call['path']:<66} -> {call['status']}")
PY
}

main() {
    trap cleanup EXIT
    local venv port
    venv=$(ensure_tool_venv new)
    work=$(mktemp -d "${TMPDIR:-/tmp}/messente-demo.XXXXXX")
    log "== building and installing messente.omnichannel"
    build_and_install_collection "$venv" "$work/collections" 2>/dev/null
    printf '[defaults]\n' >"$work/ansible.cfg"  # keep the user's own ansible.cfg out of the demo
    start_sandbox "$venv/bin/python"
    port=$(sandbox_port)
    log "== local Messente sandbox listening on http://127.0.0.1:$port/v1"
    MESSENTE_API_URL="http://127.0.0.1:$port/v1" MESSENTE_API_USERNAME=$SANDBOX_USER MESSENTE_API_PASSWORD=$SANDBOX_PASSWORD \
        ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_HOME="$work/ansible-home" ANSIBLE_CONFIG="$work/ansible.cfg" \
        ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_LOCALHOST_WARNING=false MESSENTE_LEDGER="$work/ledger.sqlite3" \
        "$venv/bin/ansible-playbook" messente.omnichannel.schedule_inspect_cancel
    show_sandbox_log "$venv/bin/python" "$port"
    stop_sandbox
    log "== sandbox stopped; demo done"
}

main "$@"
