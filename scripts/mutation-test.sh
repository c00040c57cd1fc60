#!/usr/bin/env bash
# Mutation testing: plants one bug at a time (scripts/mutations.txt, or the file given as the
# first argument) in a scratch copy of the repository, builds, runs the tests named for it, and
# expects them to fail. Prints each mutation's fate and the kill rate; exits 1 if a mutation
# survived (a bug the suite would let through), 2 on a setup error.
#
# The working tree is never touched: sources are copied (tracked and untracked, not ignored
# files) to $MUTATION_SCRATCH (default: $TMPDIR/swifttensor-mutation), whose .build is kept
# between runs so that each mutation rebuilds only what it changes. Slow: a debug rebuild and
# a filtered test run per mutation. Run from any directory.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
list=$(cd "$(dirname "${1:-$root/scripts/mutations.txt}")" && pwd)/$(basename "${1:-mutations.txt}")
scratch=${MUTATION_SCRATCH:-${TMPDIR:-/tmp}/swifttensor-mutation}
log=$scratch.log
# The unmutated file waits outside the package, where SwiftPM would not see it as a source.
backup=$scratch.original
[[ -f $list ]] || { echo "no mutation list at $list" >&2; exit 2; }

echo "== copying $root to $scratch (log: $log)"
mkdir -p "$scratch"
find "$scratch" -mindepth 1 -maxdepth 1 ! -name .build -exec rm -rf {} +
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  tar --null --ignore-failed-read -T - -cf -) | (cd "$scratch" && tar -xf -)
cd "$scratch"
: > "$log"

# The filters of every mutation, for the baseline run: the unmutated code must pass them.
filters=$(grep -v '^#' "$list" | cut -f2 | grep -v '^$' | paste -sd '|' -)
echo "== baseline: build and run the listed tests on the unmutated code"
swift build --build-tests >> "$log" 2>&1 || { echo "baseline build failed" >&2; exit 2; }
swift test --skip-build ${filters:+--filter "$filters"} >> "$log" 2>&1 ||
  { echo "baseline tests failed: see $log" >&2; exit 2; }

killed=0
survived=0
invalid=0
survivors=()
number=0
while IFS=$'\t' read -r file filter original replacement; do
  [[ -z $file || $file == \#* ]] && continue
  number=$((number + 1))
  start=$SECONDS
  text=$(< "$file")
  mutated=${text/"$original"/"$replacement"}
  if [[ $mutated == "$text" ]]; then
    echo "#$number NOT FOUND in $file: $original"
    invalid=$((invalid + 1))
    continue
  fi
  cp "$file" "$backup"
  printf '%s\n' "$mutated" > "$file"
  echo "---- #$number $file: $original -> $replacement" >> "$log"
  if ! swift build --build-tests < /dev/null >> "$log" 2>&1; then
    fate="does not compile (not counted)"
    invalid=$((invalid + 1))
  elif timeout 1200 swift test --skip-build ${filter:+--filter "$filter"} < /dev/null >> "$log" 2>&1; then
    fate="SURVIVED"
    survived=$((survived + 1))
    survivors+=("#$number $file: $original -> $replacement")
  else
    fate="killed"
    killed=$((killed + 1))
  fi
  # A fresh copy (new modification time), so the next build sees the file changed back.
  cp "$backup" "$file"
  rm "$backup"
  echo "#$number $fate ($((SECONDS - start)) s): $file: $replacement"
done < "$list"

total=$((killed + survived))
echo "== killed $killed of $total mutations; $invalid not counted"
[[ $total -gt 0 ]] && awk -v k="$killed" -v t="$total" 'BEGIN { printf "kill rate: %.0f%%\n", 100 * k / t }'
if [[ $survived -gt 0 ]]; then
  printf 'survived: %s\n' "${survivors[@]}"
  exit 1
fi
