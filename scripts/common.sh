# Sourced by the scripts (not run on its own): what several of them need, from one place.
#
#   target_dir         cargo's target directory: $CARGO_TARGET_DIR (a relative one is
#                      taken from the repository root, where the scripts run cargo) or
#                      <root>/target. Binaries are in $target_dir/debug.
#   functions_json     the function table, generated from contract/src/functions.rs
#   function_binaries  the Lambda binaries, read from it (never listed by hand)
#
# The caller sets $root, the repository root, first.

functions_json="$root/infra/modules/analytics-account/functions.json"

case "${CARGO_TARGET_DIR:-}" in
  "") target_dir="$root/target" ;;
  /*) target_dir="$CARGO_TARGET_DIR" ;;
  *) target_dir="$root/$CARGO_TARGET_DIR" ;;
esac

# python3 is on every machine these scripts run on (setup.sh needs it for the venv).
_function_names=$(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["functions"]))' "$functions_json") || {
  echo "cannot read the function list from $functions_json" >&2
  exit 1
}
mapfile -t function_binaries <<<"$_function_names"
unset _function_names
