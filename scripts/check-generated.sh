#!/usr/bin/env bash
# Fails when the committed generated protobuf code differs from what
# scripts/generate-proto.sh produces from proto/ now.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/generate-proto.sh "$tmp" >/dev/null
status=0
for name in d2m d2d; do
  for ext in js d.ts; do
    if ! diff -q "$tmp/$name/generated/$name.$ext" "$name/generated/$name.$ext" >/dev/null; then
      echo "stale generated code: $name/generated/$name.$ext (run: npm run generate:proto)" >&2
      status=1
    fi
  done
done
[ "$status" -eq 0 ] && echo "generated protobuf code is up to date"
exit "$status"
