#!/usr/bin/env bash
# make release: static chmcp binaries for every platform, their SHA-256
# checksums and the release notes, in $OUT (dist/). Run it on a clean
# checkout of a release tag whose CHANGELOG.md has a section for it:
#
#   edit CHANGELOG.md: "## Unreleased" -> "## v1.2.3 (2026-12-06)"; set the
#   chart's appVersion to "v1.2.3"; commit; git tag v1.2.3; make release
#
# The Makefile passes VERSION, COMMIT, DATE and LDFLAGS (from git), so the
# binaries are stamped exactly as `make build` stamps them; with the same Go
# they are byte for byte reproducible (-trimpath, the commit's time).
set -euo pipefail
cd "$(dirname "$0")/.."

: "${VERSION:?}" "${COMMIT:?}" "${DATE:?}" "${LDFLAGS:?}"
GO=${GO:-go}
OUT=${OUT:-dist}
PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}

fail() { echo "make release: $*" >&2; exit 1; }

[[ $VERSION =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	fail "version \"$VERSION\" is not a release version (vMAJOR.MINOR.PATCH): check out a release tag (git tag v1.2.3)"
[[ $VERSION != *-dirty ]] && [[ -z $(git status --porcelain --untracked-files=no) ]] ||
	fail "the checkout has uncommitted changes; release from a clean checkout of $VERSION"

# The CHANGELOG section: from "## v1.2.3" (or "## [v1.2.3]", "## 1.2.3 ...")
# to the next "## ".
notes=$(awk -v v="${VERSION#v}" '
	/^## / { if (found) exit; h = $2; gsub(/[][]/, "", h); sub(/^v/, "", h); if (h == v) { found = 1; next } }
	found { print }' CHANGELOG.md)
[[ -n ${notes//[[:space:]]/} ]] ||
	fail "CHANGELOG.md has no section \"## $VERSION\" (or it is empty); rename \"## Unreleased\" to it"

chart=deploy/helm/chmcp/Chart.yaml
app=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' "$chart")
[[ $app == "$VERSION" ]] || fail "$chart has appVersion \"$app\"; set it to \"$VERSION\" (the image tag the chart deploys)"

rm -rf "$OUT"
mkdir -p "$OUT"
names=()
for p in $PLATFORMS; do
	os=${p%/*} arch=${p#*/}
	name="chmcp-$VERSION-$os-$arch"
	echo "build $name"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch "$GO" build -trimpath -ldflags "-s -w $LDFLAGS" -o "$OUT/$name" ./cmd/chmcp
	# What `chmcp version` will print, found in the binary whatever its
	# platform (-trimpath keeps -ldflags out of `go version -m`).
	for stamp in "$VERSION" "$COMMIT" "$DATE"; do
		LC_ALL=C grep -aqF -- "$stamp" "$OUT/$name" || fail "$name is not stamped with $stamp"
	done
	names+=("$name")
done
printf '%s\n' "$notes" >"$OUT/RELEASE_NOTES.md"
(cd "$OUT" && sha256sum "${names[@]}" RELEASE_NOTES.md >SHA256SUMS)
echo "release $VERSION ($COMMIT, $DATE) in $OUT/:"
cat "$OUT/SHA256SUMS"
