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
