#!/usr/bin/env bash
# Fetches real colour images for the demos: the 64×64 PNGs of the npm package emoji-datasource-google (MIT, pinned
# below with npm's sha512 integrity), through npm, into data/emoji/png-64/ (one PNG per emoji, RGBA). A no-op when
# they are already there. data/emoji/SOURCE.txt records package, version, integrity and file count; the demos copy
# it into each model card beside the SHA-256 of the pixels they trained on. Nothing is fetched from any other host.
set -euo pipefail
cd "$(dirname "$0")/.."
package=emoji-datasource-google
version=16.0.0
integrity='sha512-ZRexfzs7MVoLnmzZmNsO4TKhnAJp5D++Vm6PpUpH/jEQQlemp3l88CjZ+DoZ2faM9R4QxZkOPJCoT8DlPhfQ3A=='
out=data/emoji
if [[ -f $out/SOURCE.txt && -d $out/png-64 ]]; then
  exit 0
fi
mkdir -p data
tmp=$(mktemp -d data/.emoji-fetch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "fetching colour images through npm ($package@$version, ~75 MB)..." >&2
(cd "$tmp" && npm pack "$package@$version" --silent >/dev/null)
tarball="$tmp/$package-$version.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ $actual != "$integrity" ]]; then
  echo "fetch-emoji: $tarball has integrity $actual, expected $integrity" >&2
  exit 1
fi
mkdir -p "$tmp/x"
tar -xzf "$tarball" -C "$tmp/x" package/img/google/64 package/LICENSE
count=$(find "$tmp/x/package/img/google/64" -name '*.png' | wc -l)
if (( count < 3000 )); then
  echo "fetch-emoji: expected ~3,786 PNGs in $package@$version, found $count" >&2
  exit 1
fi
mkdir -p "$tmp/emoji"
mv "$tmp/x/package/img/google/64" "$tmp/emoji/png-64"
mv "$tmp/x/package/LICENSE" "$tmp/emoji/LICENSE"
printf 'package %s\nversion %s\nintegrity %s\nfiles %d\n' "$package" "$version" "$integrity" "$count" \
  > "$tmp/emoji/SOURCE.txt"
rm -rf "$out"
mv "$tmp/emoji" "$out"
echo "wrote $count colour images to $out/png-64" >&2
