#!/usr/bin/env bash
# A fake `gcloud` for infra/deploy.sh's tests: answers describe/list calls from a state directory.
#
# Put first on PATH. Every call is appended to $FAKE_GCLOUD_DIR/calls.log (one shell-quoted line).
# Resources are files under $FAKE_GCLOUD_DIR/state: a describe of one that is there exits 0 (and
# prints the asked value(...): the service URL, its rowscout-config label), one that is not exits 1
# with gcloud's NOT_FOUND message. create / builds submit / run deploy add their resource, so a
# second (real) run of the script against this fake sees what the first made. Bash only (fast),
# nothing leaves the machine.
set -u
home="$FAKE_GCLOUD_DIR"
state="$home/state"
mkdir -p "$state"
{ printf '%q' gcloud; printf ' %q' "$@"; printf '\n'; } >> "$home/calls.log"
PROJECT_NUMBER=123456789012

words=()
fieldcfg=()
declare -A flag=()
for a in "$@"; do
  if [[ "$a" == --* ]]; then
    a="${a#--}"
    if [[ "$a" == *=* ]]; then flag["${a%%=*}"]="${a#*=}"; else flag["$a"]=""; fi
    [[ "$a" == field-config=* ]] && fieldcfg+=("${a#field-config=}")
  else
    words+=("$a")
  fi
done

verb="" path="" name=""
for i in "${!words[@]}"; do
  case "${words[$i]}" in
    describe|list|create|update|deploy|submit)
      verb="${words[$i]}"
      path="${words[*]:0:$i}"
      rest=()
      for w in "${words[@]:$((i + 1))}"; do [[ "$w" == http ]] || rest+=("$w"); done
      name="${rest[0]:-}"
      break ;;
  esac
done

case "$path" in
  builds|"artifacts docker images") key=image ;;
  run) key="run services ${name}" ;;
  "iam service-accounts") key="${path} ${name%%@*}" ;;  # described by email, created by account id
  *) key="${path} ${name}" ;;
esac
file="${state}/$(printf '%s' "$key" | tr ' /@' '___')"

if [[ "$verb" == describe || "$verb" == list ]]; then
  if [[ "$path" == "firestore indexes composite" ]]; then
    printf '['; first=1
    for f in "$state"/composite_*; do
      [[ -f "$f" ]] || continue
      [[ "$first" == 1 ]] || printf ','
      first=0; cat "$f"
    done
    printf ']\n'; exit 0
  fi
  if [[ "$path" == projects ]]; then echo "$PROJECT_NUMBER"; exit 0; fi
  if [[ ! -f "$file" ]]; then echo "ERROR: (gcloud) NOT_FOUND: ${key} was not found" >&2; exit 1; fi
  case "${flag[format]:-}" in
    "value(status.url)") sed -n 1p "$file" ;;
    "value(metadata.labels.rowscout-config)") sed -n 2p "$file" ;;
  esac
  exit 0
fi

if [[ "$verb" == create || "$verb" == submit || "$verb" == deploy ]]; then
  if [[ "$path" == "firestore indexes composite" ]]; then
    fields=""
    for spec in "${fieldcfg[@]}"; do
      field="${spec#field-path=}"; field="${field%%,*}"; order="${spec##*order=}"
      fields+="{\"fieldPath\": \"${field}\", \"order\": \"${order^^}\"}, "
    done
    count=$(find "$state" -name 'composite_*' | wc -l)
    printf '{"name": "projects/p/databases/(default)/collectionGroups/%s/indexes/x%s", "fields": [%s{"fieldPath": "__name__", "order": "ASCENDING"}]}' \
      "${flag[collection-group]}" "$count" "$fields" > "${state}/composite_${count}"
    exit 0
  fi
  url=""
  [[ "$verb" == deploy ]] && url="https://${name}-${PROJECT_NUMBER}.${flag[region]:-}.run.app"
  label="${flag[update-labels]:-}"
  printf '%s\n%s\n' "$url" "${label#*=}" > "$file"
fi
exit 0
