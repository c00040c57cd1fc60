#!/usr/bin/env bash
# Kills a process that saves checkpoints in a loop with SIGKILL at random moments, then checks
# that the checkpoint is never torn and that the next save leaves no temporary file behind.
#
#   scripts/kill-during-save.sh [kills] [seed]     (defaults: 40 kills, seed 1)
#
# The worker is `SwiftTensorBenchmarks --checkpoint-stress`, built if needed: a debug build, or a
# release one with CONFIGURATION=release (it spends more of its time writing, so more kills land
# mid-write).
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-40}
RANDOM=${2:-1}
configuration=${CONFIGURATION:-debug}
swift build -c "$configuration" --product SwiftTensorBenchmarks >/dev/null
worker="$(swift build -c "$configuration" --show-bin-path)/SwiftTensorBenchmarks"
directory=$(mktemp -d)
trap 'rm -rf "$directory"' EXIT
checkpoint="$directory/model.safetensors"
"$worker" --checkpoint-stress "$checkpoint" 1

left=0
for ((kill = 1; kill <= kills; kill++)); do
  "$worker" --checkpoint-stress "$checkpoint" &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  temporaries=$(find "$directory" -name '*.tmp' | wc -l)
  left=$((left + temporaries))
  if ! "$worker" --checkpoint-check "$checkpoint"; then
    echo "FAIL: torn or unreadable checkpoint after kill $kill"
    exit 1
  fi
done
"$worker" --checkpoint-stress "$checkpoint" 1
"$worker" --checkpoint-check "$checkpoint"
remaining=$(find "$directory" -name '*.tmp' | wc -l)
echo "$kills kills: $left temporaries seen right after a kill (killed mid-save); checkpoint" \
  "intact after every kill; $remaining temporaries left after the next save"
[ "$remaining" -eq 0 ] || { echo "FAIL: stale temporaries left"; exit 1; }
