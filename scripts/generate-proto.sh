#!/usr/bin/env bash
# Generates the static protobufjs modules (JavaScript + type declarations) from
# proto/ into d2m/generated/ and d2d/generated/. The output is committed;
# scripts/check-generated.sh fails CI when it is stale.
#
# Usage: scripts/generate-proto.sh [OUTPUT_ROOT]   (default: the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
out_root="${1:-.}"
pbjs=node_modules/.bin/pbjs
pbts=node_modules/.bin/pbts

for name in d2m d2d; do
  dir="$out_root/$name/generated"
  mkdir -p "$dir"
  "$pbjs" --target static-module --wrap es6 \
    --no-verify --no-convert --no-delimited --no-typeurl --no-create \
    --out "$dir/$name.js" "proto/$name.proto"
  "$pbts" --no-comments --out "$dir/$name.d.ts" "$dir/$name.js"
done
