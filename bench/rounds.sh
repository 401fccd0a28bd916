# Sourced by the bench scripts called as `bench/SCRIPT.sh [ROUNDS] [-- more `wasipy run` options]`: moves to the
# project's root, sets $root and $rounds (default 5), and leaves the `wasipy run` options in "$@".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rounds=${1:-5}
shift $(( $# < 1 ? $# : 1 ))
if [ "${1:-}" = "--" ]; then shift; fi
