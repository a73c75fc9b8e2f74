# Shared by the bench/ scripts (sourced).

# write_section NAME TABLE: replaces the block between "<!-- NAME:start -->" and "<!-- NAME:end -->" in
# docs/benchmarks.md with TABLE (which carries both markers), or appends it; other sections stay as they are.
write_section() {
  local name=$1 table=$2 out=docs/benchmarks.md
  [ -f $out ] || printf '# Benchmarks\n\nTables written by the scripts under `bench/`; each section says how it was produced.\n' >$out
  awk -v table="$table" -v start="<!-- $name:start -->" -v end="<!-- $name:end -->" '
    $0 == start {print table; skip = 1; done = 1; next}
    $0 == end {skip = 0; next}
    !skip {print}
    END {if (!done) print "\n" table}' $out >$out.tmp && mv $out.tmp $out
}

# run_e2e NAME CLASS [MAVEN ARGS...]: runs one e2e-tests class (log in /tmp/pgha-NAME.log), prints and sets
# $summary (the test's "NAME summary: ..." line); on failure prints the failed assertion and exits with its status.
run_e2e() {
  local name=$1 cls=$2 status=0
  shift 2
  local report=${cls%%#*} # "Class#method" runs one method; the reports are per class
  local out=e2e-tests/target/surefire-reports/io.pgha.e2e.$report-output.txt
  ./mvnw -B -ntp -pl e2e-tests test -Dtest="$cls" -Dsurefire.failIfNoSpecifiedTests=false "$@" \
    >"/tmp/pgha-$name.log" 2>&1 || status=$?
  summary=$(grep -o "$name summary: .*" "$out" | tail -1 || true)
  echo "[$name] ${summary:-no summary: the run failed before the end (see /tmp/pgha-$name.log and $out)}"
  if [ $status -ne 0 ]; then
    grep -A15 '<<< FAIL\|<<< ERROR' "e2e-tests/target/surefire-reports/io.pgha.e2e.$report.txt" || true
    echo "[$name] FAILED (exit $status); full log /tmp/pgha-$name.log"
    exit $status
  fi
}

# field KEY: the value of " KEY=..." in $summary.
field() { printf '%s' "$summary" | grep -o " $1=[^ ]*" | head -1 | cut -d= -f2-; }

# parse_rounds ARGS...: sets ROUNDS from "--rounds N" (default 3); anything else is a usage error.
parse_rounds() {
  ROUNDS=3
  while [ $# -gt 0 ]; do
    case $1 in
      --rounds) ROUNDS=$2; shift 2 ;;
      *) echo "usage: $0 [--rounds N]" >&2; exit 2 ;;
    esac
  done
}
