#!/usr/bin/env bash
# Builds the DocC documentation of SwiftTensor and SwiftTensorTesting with the toolchain's docc,
# from the symbol graphs the compiler emits (no package plugin), and fails on any warning
# (a broken symbol link, a parameter documented under the wrong name or not at all).
#
#   scripts/build-docs.sh [output-dir]    # default .build/docs/archives
#
# Browse an archive with `docc preview Sources/SwiftTensor/SwiftTensor.docc
# --additional-symbol-graph-dir .build/docs/catalog-graphs/SwiftTensor`, or serve its
# directory with any static web server (the archives are built for static hosting).
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build/docs                       # its own build directory: the usual builds are untouched
graphs="$PWD/$scratch/symbol-graphs"
output="${1:-$scratch/archives}"

staged="$PWD/$scratch/catalog-graphs"
# A debug build of the two libraries (SwiftTensorTesting depends on SwiftTensor) that also
# writes each module's public symbols and doc comments as a symbol graph. The compiler writes a
# module's graph when it compiles the module, so an up-to-date build keeps the graphs it wrote.
build() {
  mkdir -p "$graphs"
  swift build --scratch-path "$scratch" --target SwiftTensorTesting \
    -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs" \
    2>&1 | tee "$scratch/build.log"
}
mkdir -p "$scratch"
build
if [ ! -f "$graphs/SwiftTensor.symbols.json" ] || [ ! -f "$graphs/SwiftTensorTesting.symbols.json" ]; then
  echo "build-docs: symbol graphs missing; building again from scratch"
  rm -rf "$scratch"
  mkdir -p "$scratch"
  build
fi
if grep -q "warning:" "$scratch/build.log"; then
  echo "build-docs: the build printed warnings"
  exit 1
fi

rm -rf "$staged"
mkdir -p "$output"
for module in SwiftTensor SwiftTensorTesting; do
  # One module's graphs per catalog (its own and its extensions of other modules').
  mkdir -p "$staged/$module"
  cp "$graphs/$module.symbols.json" "$staged/$module/"
  for extension in "$graphs/$module"@*.symbols.json; do
    if [ -f "$extension" ]; then cp "$extension" "$staged/$module/"; fi
  done
  rm -rf "$output/$module.doccarchive"
  echo "== docc convert $module"
  docc convert "Sources/$module/$module.docc" \
    --additional-symbol-graph-dir "$staged/$module" \
    --fallback-display-name "$module" \
    --fallback-bundle-identifier "org.swifttensor.$module" \
    --output-path "$output/$module.doccarchive" \
    --warnings-as-errors
done
echo "documentation: $output/SwiftTensor.doccarchive, $output/SwiftTensorTesting.doccarchive"
