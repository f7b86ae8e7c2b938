# shellcheck shell=bash
# Sourced by scripts/start and scripts/test: make .venv exist and hold the given
# requirements file. Reinstalls only when the requirements (or Python) changed,
# recorded as a sha256 stamp inside .venv.

ensure_venv() {
    local requirements="$1"
    local python="${PYTHON:-python3}"

    if ! command -v "$python" >/dev/null 2>&1; then
        echo "error: $python not found; install Python >= 3.11 (Debian: apt-get install python3 python3-venv)" >&2
        return 1
    fi
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "error: Python >= 3.11 is required, $python is $("$python" -V 2>&1)" >&2
        return 1
    fi

    # A venv whose interpreter vanished (Python upgraded or removed) is rebuilt.
    if [[ -d .venv ]] && ! .venv/bin/python -c 'pass' >/dev/null 2>&1; then
        echo "==> .venv is broken; recreating it"
        rm -rf .venv
    fi
    if [[ ! -d .venv ]]; then
        echo "==> creating .venv with $("$python" -V 2>&1)"
        "$python" -m venv .venv
    fi

    # requirements-dev.txt includes requirements.txt, so hash both.
    local stamp=".venv/.stamp-${requirements%.txt}"
    local digest
    digest="$( { .venv/bin/python -V 2>&1; cat requirements*.txt; } | sha256sum | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$digest" ]]; then
        return 0
    fi
    echo "==> installing $requirements into .venv"
    .venv/bin/python -m pip install -q -r "$requirements"
    echo "$digest" >"$stamp"
}
