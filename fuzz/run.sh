#!/usr/bin/env bash
# Run each atheris fuzz target for a bounded time and summarise what it did.
#   fuzz/run.sh SECONDS [loader] [markdown] [context] [sanitizer]   (default: all, one after the other)
# Seeds come from tests/cases/bad, examples/ and tests/data; the growing corpus, logs and any
# crashing inputs go to fuzz/work/ (FUZZ_WORK overrides). Exit 1 if a target found a crash.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz/run.sh SECONDS [loader] [markdown] [context] [sanitizer]}
shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(loader markdown context sanitizer)
python=${PYTHON:-.venv/bin/python}
work=${FUZZ_WORK:-fuzz/work}
if ! "$python" -c "import atheris" 2>/dev/null; then
  echo "atheris is not installed: $python -m pip install -e '.[fuzz]'" >&2
  exit 2
fi
status=0
for target in "${targets[@]}"; do
  case "$target" in
    # The context target reads inputs files as the loader does; the sanitizer target Markdown plans.
    loader|context) seeds=(tests/cases/bad examples); max_len=65536; dict=loader ;;
    markdown|sanitizer) seeds=(examples tests/data); max_len=65536; dict=markdown ;;
    *) echo "unknown target: $target (loader, markdown, context, sanitizer)" >&2; exit 2 ;;
  esac
  corpus="$work/corpus-$target"
  seed_dir="$work/seeds-$target"
  mkdir -p "$corpus" "$seed_dir"
  # libFuzzer reads seed folders as they are; pick only the file kinds each target takes.
  for folder in "${seeds[@]}"; do
    if [ "$dict" = markdown ]; then
      find "$folder" -maxdepth 1 -name '*.md' -exec cp {} "$seed_dir/" \;
    else
      find "$folder" -maxdepth 1 \( -name '*.yaml' -o -name '*.json' \) -exec cp {} "$seed_dir/" \;
    fi
  done
  log="$work/$target.log"
  echo "== fuzz_$target for ${seconds}s (log: $log)"
  "$python" "fuzz/fuzz_$target.py" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
    -max_len="$max_len" -dict="fuzz/$dict.dict" -artifact_prefix="$work/crash-$target-" \
    -print_final_stats=1 "$corpus" "$seed_dir" >"$log" 2>&1
  code=$?
  grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)" "$log" | tail -2
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$log"
  echo "corpus: $(find "$corpus" -type f | wc -l) inputs"
  if [ $code -ne 0 ]; then
    echo "fuzz_$target FAILED (exit $code): see $log and $work/crash-$target-*" >&2
    grep -E "^(=+ Uncaught|Traceback|[A-Za-z]+Error)" "$log" | head -5 >&2
    status=1
  fi
done
exit $status
