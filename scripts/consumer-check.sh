#!/usr/bin/env bash
# The consumer check (CI, after the tests): pack chatstore, install the tarball into a fresh app
# with only what npm ci already fetched (--prefer-offline), and use it as a user would:
#   (a) plain Node ESM runs the README's Quick example on PGlite, after `npx chatstore migrate`;
#   (b) a strict TypeScript app (nodenext, exactOptionalPropertyTypes, …) type-checks, with
#       @ts-expect-error probes proving the types are concrete, and emits nameable declarations;
#   (c) an esbuild bundle with the drivers external migrates and queries, from the installed
#       package and from a copied migrations folder;
#   (d) the installed CLI runs targets/migrate/status without drizzle-kit, and missing packages
#       are named.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$root/scripts/consumer"
work="$(mktemp -d "${TMPDIR:-/tmp}/chatstore-consumer-XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The app runs on embedded databases; a CI server in DATABASE_URL must not be touched.
unset DATABASE_URL
started=$SECONDS
step() { echo "consumer-check: $* ($((SECONDS - started)) s)"; }
fail() { echo "consumer-check: FAILED: $*" >&2; exit 1; }
version_of() { node -p "require('$root/node_modules/$1/package.json').version"; }

cd "$root"
# npm pack runs `prepare`, i.e. the build.
pack_json="$(npm pack --json --pack-destination "$work" 2>/dev/null)"
tarball="$work/$(node -e 'const [p] = JSON.parse(process.argv[1]); process.stdout.write(p.filename)' "$pack_json")"
node -e '
  const [p] = JSON.parse(process.argv[1]);
  const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
  console.log(`consumer-check: packed ${p.filename}: ${kb(p.size)}, unpacked ${kb(p.unpackedSize)}, ${p.entryCount} files`);
  const stray = p.files.map((f) => f.path).filter((f) => !/^(dist|drizzle|bin|src|docs)\/|^(package\.json|README\.md|LICENSE)$/.test(f));
  if (stray.length) { console.error(`files outside the published set: ${stray.join(", ")}`); process.exit(1); }
  if (p.files.some((f) => /^src\/.*\.test|^(test|bench|scripts|\.ci)\//.test(f.path))) process.exit(1);
' "$pack_json"

app="$work/app"
mkdir -p "$app"
cp "$fixtures"/app.ts "$fixtures"/bundle-entry.mjs "$fixtures"/tsconfig.json "$app"/
cd "$app"
echo '{ "name": "chatstore-consumer", "private": true, "type": "module" }' >package.json
# Only the PGlite driver: better-sqlite3, postgres and drizzle-kit must not be needed. (The
# SQLite repositories' declarations name better-sqlite3's types, as drizzle's do; the app's
# letta probe needs @types/better-sqlite3, the types only.)
npm install --prefer-offline --no-audit --no-fund --loglevel=error \
  "$tarball" \
  "@electric-sql/pglite@$(version_of @electric-sql/pglite)" \
  "typescript@$(version_of typescript)" \
  "@types/node@$(version_of @types/node)" \
  "@types/better-sqlite3@$(version_of @types/better-sqlite3)" \
  "esbuild@$(version_of esbuild)"
for absent in drizzle-kit tsx better-sqlite3 postgres @electric-sql/pglite-socket; do
  [ ! -e "node_modules/$absent" ] || fail "$absent was installed with chatstore"
done
step "installed the tarball"

# (d) the installed CLI, without drizzle-kit
[ "$(npx chatstore --version)" = "$(node -p "require('$root/package.json').version")" ] || fail "--version"
grep -q '^todo ' <<<"$(npx chatstore targets)" || fail "chatstore targets"
set +e
npx chatstore status todo >/dev/null 2>"$work/status.err"; code=$?
set -e
[ "$code" = 1 ] && grep -q DATABASE_NOT_FOUND "$work/status.err" && [ ! -e data ] || fail "status on a missing database (exit $code)"
set +e
npx chatstore migrate todo --to phase9 >/dev/null 2>&1; code=$?
set -e
[ "$code" = 2 ] && [ ! -e data ] || fail "migrate --to phase9 must exit 2 and create nothing (exit $code)"
npx chatstore migrate todo >/dev/null
npx chatstore status todo --json | node -e '
  const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
  if (!(s.command === "status" && s.ok && s.error === null && s.generation === "isolation")) process.exit(1);' ||
  fail "status after migrate"
set +e
npx chatstore check --json >"$work/check.json"; code=$?
set -e
[ "$code" = 1 ] && grep -q '"MISSING_PACKAGE"' "$work/check.json" && grep -q 'drizzle-kit' "$work/check.json" ||
  fail "check without drizzle-kit must name it (exit $code)"
node --input-type=module -e "
  import { connect } from 'chatstore';
  try { await connect('letta', 'x.db', { migrate: true }); process.exit(1); }
  catch (e) { if (e.code !== 'MISSING_PACKAGE' || !e.message.includes('better-sqlite3')) throw e; }
" || fail "a SQLite location without better-sqlite3 must name the package"
[ ! -e x.db ] || fail "a failed connect created x.db"
step "(d) npx chatstore targets/migrate/status ran without drizzle-kit"

# (a) the README's Quick example, as plain Node ESM, on the database `migrate` just created
node -e '
  const readme = require("fs").readFileSync(process.argv[1], "utf8");
  const section = readme.slice(readme.indexOf("## Quick example"));
  const code = /```js\n([\s\S]*?)```/.exec(section)[1];
  require("fs").writeFileSync("quick.mjs", code);
' "$root/README.md"
quick="$(node quick.mjs)"
grep -q 'user: Add milk' <<<"$quick" || fail "the Quick example printed: $quick"
step "(a) the README's Quick example ran on PGlite"

# (b) a strict TypeScript consumer: the app's settings must produce no error inside chatstore.
# skipLibCheck stays off so chatstore's declarations are checked; errors that drizzle-orm's own
# declarations raise under these settings are third-party and filtered out (only those).
own_errors() {
  node -e '
    const lines = require("fs").readFileSync(0, "utf8").split("\n");
    const errors = lines.filter((l) => / error TS\d+:/.test(l));
    const ours = errors.filter((l) => !/^node_modules\//.test(l) || /^node_modules\/chatstore\//.test(l));
    for (const l of ours) console.error(l);
    console.log(`consumer-check: tsc: ${ours.length} error(s) in the app or chatstore, ${errors.length - ours.length} in third-party declarations`);
    process.exit(ours.length ? 1 : 0);'
}
{ npx tsc --noEmit -p tsconfig.json --pretty false || true; } | own_errors || fail "tsc --noEmit"
{ npx tsc -p tsconfig.json --pretty false --declaration --emitDeclarationOnly --outDir types || true; } | own_errors ||
  fail "declarations of the app's exports"
grep -q "chatstore" types/app.d.ts || fail "conn.db's declared type does not name chatstore"
step "(b) tsc passed for a strict nodenext consumer"

# (c) an esbuild bundle, drivers external and loaded on demand
npx esbuild bundle-entry.mjs --bundle --platform=node --format=esm --splitting --outdir=out --log-level=warning \
  --external:postgres --external:better-sqlite3 '--external:@electric-sql/*'
grep -q 'bundle: 1 task' <<<"$(node out/bundle-entry.js)" || fail "bundle from the installed package"
# The same bundle elsewhere, without chatstore installed: migrations from a copied folder.
deployed="$work/deployed"
mkdir -p "$deployed/node_modules"
cp -r out "$deployed/"
cp -r node_modules/chatstore/drizzle "$deployed/migrations"
ln -s "$app/node_modules/@electric-sql" "$deployed/node_modules/@electric-sql"
grep -q 'bundle: 1 task' <<<"$(cd "$deployed" && CHATSTORE_MIGRATIONS="$deployed/migrations" node out/bundle-entry.js)" ||
  fail "bundle with migrationsFolder"
set +e
without="$(cd "$deployed" && node out/bundle-entry.js 2>&1)"; code=$?
set -e
[ "$code" = 1 ] && grep -q MIGRATIONS_NOT_FOUND <<<"$without" || fail "bundle without migrations must fail: $without"
step "(c) the esbuild bundle migrated and queried"

echo "consumer-check: ok in $((SECONDS - started)) s"
