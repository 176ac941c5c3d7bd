#!/usr/bin/env bash
# Regenerates data/src/main/resources/dev/flint/data/text/kjv.txt.gz, the King James Bible as plain
# text, from Debian's packages `bible-kjv` (the `bible` reader, GPL-2+) and `bible-kjv-text` (the
# compressed text). Needs apt-get (any Debian or Ubuntu, no root: `apt-get download` only fetches)
# and dpkg-deb. Checks the result against the SHA-256 of the committed file, so a run tells whether
# the committed corpus is reproducible. Usage: data/scripts/make-kjv-corpus.sh [output.txt.gz]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/data/src/main/resources/dev/flint/data/text/kjv.txt.gz}"
# SHA-256 of the uncompressed text we committed (Debian bookworm, bible-kjv 4.38).
expected=38c828bc0001a8e33f88a4a98917665cff1dbb6964a549ad51b34ea5293f752d

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download bible-kjv bible-kjv-text >/dev/null
for deb in *.deb; do dpkg-deb -x "$deb" tree; done
# One verse a line ("1 In the beginning ..."), a heading line per chapter ("Genesis 1"); -l sets the
# line width, wide enough that no verse is wrapped; the reader indents verse numbers, which we drop.
tree/usr/bin/bible -p tree/usr/lib -m 8192 -l 100000 "gen1:1-rev22:21" \
    | sed -e 's/^ *//' | sed -e '1{/^$/d}' > kjv.txt
actual="$(sha256sum kjv.txt | cut -d' ' -f1)"
gzip -9 -n -c kjv.txt > "$out"
echo "wrote $out ($(wc -c < kjv.txt) bytes of text, sha256 $actual)"
if [[ "$actual" != "$expected" ]]; then
    echo "note: the text differs from the committed corpus (sha256 $expected); another package version?" >&2
    exit 1
fi
