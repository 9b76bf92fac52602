#!/usr/bin/env bash
# A production install as README's "Running in production" describes it, from a clone of this
# checkout's HEAD: `npm ci --omit=dev` (no development tool installed), then `npm start` on the
# embedded default, with the model already on disk (ENGRAM_MODEL_DIR, default .models). Checks
# that the server answers, writes, embeds and finds by meaning; prints how long it took to
# answer /healthz (a number to read, not a gate).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model_dir=${ENGRAM_MODEL_DIR:-$root/.models}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill -- "-$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

git clone --quiet "$root" "$work/engram"
cd "$work/engram"
npm ci --omit=dev --no-audit --no-fund --loglevel=error
for tool in tsx vitest eslint typescript; do
  if [ -e "node_modules/$tool" ]; then
    echo "production-smoke: $tool is installed by npm ci --omit=dev" >&2
    exit 1
  fi
done

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
key="engram_smoke_$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"
base="http://127.0.0.1:$port"
started=$(date +%s%N)
ENGRAM_HOST=127.0.0.1 ENGRAM_PORT=$port ENGRAM_API_KEY=$key ENGRAM_MODEL_DIR=$model_dir \
  setsid npm start --silent >"$work/server.log" 2>&1 &
server=$!

for _ in $(seq 1 600); do
  if curl -fs "$base/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.01
done
echo "production-smoke: /healthz answered $(((($(date +%s%N) - started)) / 1000000)) ms after npm start"

auth=(-H "authorization: Bearer $key" -H "content-type: application/json")
written=$(curl -fsS "${auth[@]}" "$base/v1/memory" \
  -d '{"subject_type":"contact","subject_id":"sarah","kind":"note","content":"Sarah wants fewer manual follow-ups"}')
id=$(node -e 'console.log(JSON.parse(process.argv[1]).memory.id)' "$written")
for _ in $(seq 1 300); do
  status=$(curl -fsS "${auth[@]}" "$base/v1/memory/$id" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).memory.embedding_status))')
  [ "$status" = attached ] && break
  sleep 0.1
done
found=$(curl -fsS "${auth[@]}" "$base/v1/memory/search" -d '{"query":"who is tired of manual work?","mode":"semantic"}')
node -e '
  const [found, id] = [JSON.parse(process.argv[1]), process.argv[2]];
  if (found[0]?.memory?.id !== id || found[0]?.mode !== "semantic") {
    console.error("production-smoke: the search did not find the memory by meaning:", JSON.stringify(found));
    process.exit(1);
  }' "$found" "$id"
if grep -q '"level":50\|"level":60' "$work/server.log"; then
  cat "$work/server.log" >&2
  exit 1
fi
echo "production-smoke: written, embedded and found by meaning through a production install"
