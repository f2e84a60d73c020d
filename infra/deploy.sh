#!/usr/bin/env bash
# Deploy Rowscout to Google Cloud: APIs, Artifact Registry + image, service accounts + IAM, Firestore
# (TTL, index exemptions, composite indexes), Cloud Tasks queues, the Cloud Run service and the
# Cloud Scheduler refresh job. Every setting comes from infra/config.env.
#
# Safe to run twice: every resource is described before it is created ("= exists: ..." lines), the
# image is built only when its tag is missing, and the service is redeployed only when its image or
# settings changed. The service URL is resolved BEFORE the deploy (the live URL, or the URL Cloud
# Run will give a new service: https://SERVICE-PROJECT_NUMBER.REGION.run.app), so one revision
# carries every variable, and --update-env-vars keeps any variable an operator set by hand.
#
#   infra/deploy.sh --dry-run   print every command that would change something, run none of them
#                               (describe/list calls still run when gcloud is on PATH)
#   infra/deploy.sh             deploy (needs gcloud, authenticated, with owner rights)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${HERE}/.." && pwd)"
# shellcheck source=infra/config.env
source "${HERE}/config.env"

DRY_RUN=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

HAVE_GCLOUD=1
command -v gcloud >/dev/null 2>&1 || HAVE_GCLOUD=0
if [[ "$HAVE_GCLOUD" == 0 && "$DRY_RUN" == 0 ]]; then
  echo "gcloud not found on PATH (install the Google Cloud CLI, or use --dry-run)" >&2
  exit 2
fi

# A command that changes something: printed, and run unless this is a dry run.
run() {
  printf '+'; printf ' %q' "$@"; printf '\n'
  if [[ "$DRY_RUN" == 0 ]]; then "$@"; fi
}

# A read-only check (describe/list): runs in a dry run too; without gcloud nothing exists.
probe() {
  [[ "$HAVE_GCLOUD" == 1 ]] || return 1
  "$@" >/dev/null 2>&1
}

# A read-only query that prints a value (empty when it fails or gcloud is missing).
query() {
  [[ "$HAVE_GCLOUD" == 1 ]] || return 0
  "$@" 2>/dev/null || true
}

exists() { echo "= exists: $*"; }

# Settings that must fit together before anything is created.
check_settings() {
  local name value
  for name in RESEARCH_DEADLINE PLAN_DEADLINE FLUSH_DEADLINE; do
    value="${!name%s}"
    # Cloud Tasks takes 15s-1800s; the Cloud Run request timeout must be ABOVE every deadline, so a
    # slow task is retried by Cloud Tasks (its deadline) before Cloud Run cuts the request.
    if ! [[ "$value" =~ ^[0-9]+$ ]] || (( value < 15 || value > 1800 || value >= TIMEOUT )); then
      echo "${name}=${!name}: must be 15s-1800s and below TIMEOUT=${TIMEOUT}" >&2
      exit 2
    fi
  done
  # Every request Cloud Run sends an instance must find a free gunicorn thread, or add-on calls
  # and polls wait behind long research requests.
  if (( GUNICORN_THREADS < CONCURRENCY )); then
    echo "CONCURRENCY=${CONCURRENCY} exceeds GUNICORN_THREADS=${GUNICORN_THREADS}" >&2
    exit 2
  fi
}
check_settings

RUN_EMAIL="${RUN_SA}@${PROJECT}.iam.gserviceaccount.com"
TASKS_EMAIL="${TASKS_SA}@${PROJECT}.iam.gserviceaccount.com"

enable_apis() {
  run gcloud services enable run.googleapis.com cloudtasks.googleapis.com firestore.googleapis.com \
    cloudscheduler.googleapis.com sheets.googleapis.com drive.googleapis.com \
    artifactregistry.googleapis.com cloudbuild.googleapis.com iamcredentials.googleapis.com \
    --project="$PROJECT"
}

artifact_repository() {
  if probe gcloud artifacts repositories describe "$REPOSITORY" --location="$REGION" --project="$PROJECT"; then
    exists "artifact repository ${REPOSITORY}"
    return
  fi
  run gcloud artifacts repositories create "$REPOSITORY" --repository-format=docker --location="$REGION" \
    --project="$PROJECT" --description="Rowscout images"
}

# The image tag names the source (git commit): an existing tag is not built again.
image() {
  if probe gcloud artifacts docker images describe "$IMAGE" --project="$PROJECT"; then
    exists "image ${IMAGE}"
    return
  fi
  if [[ "$BUILDER" == docker ]]; then
    run docker build --tag="$IMAGE" "$ROOT"
    run gcloud auth configure-docker "${REGION}-docker.pkg.dev" --quiet
    run docker push "$IMAGE"
  else
    run gcloud builds submit "$ROOT" --tag="$IMAGE" --project="$PROJECT" --region="$REGION"
  fi
}

service_accounts() {
  local account
  for account in "$RUN_SA:Rowscout service" "$TASKS_SA:Rowscout tasks invoker"; do
    if probe gcloud iam service-accounts describe "${account%%:*}@${PROJECT}.iam.gserviceaccount.com" \
      --project="$PROJECT"; then
      exists "service account ${account%%:*}"
    else
      run gcloud iam service-accounts create "${account%%:*}" --project="$PROJECT" --display-name="${account#*:}"
    fi
  done
  # Adding a binding that exists changes nothing: these run every time.
  for role in roles/datastore.user roles/cloudtasks.enqueuer roles/logging.logWriter; do
    run gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:${RUN_EMAIL}" \
      --role="$role" --condition=None
  done
  # The service creates tasks that carry OIDC tokens of the tasks account: it must be able to act as it.
  run gcloud iam service-accounts add-iam-policy-binding "$TASKS_EMAIL" --project="$PROJECT" \
    --member="serviceAccount:${RUN_EMAIL}" --role=roles/iam.serviceAccountUser
}

# "collectionGroup|field|ttl|exempt" per fieldOverride, "collectionGroup|field=order,..." per index.
firestore_config() {
  python3 - "$1" "${HERE}/firestore.indexes.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[2]))
if sys.argv[1] == "overrides":
    for o in config.get("fieldOverrides", []):
        print("%s|%s|%s|%s" % (o["collectionGroup"], o["fieldPath"], int(bool(o.get("ttl"))), int(o.get("indexes") == [])))
else:
    for ix in config["indexes"]:
        print(ix["collectionGroup"] + "|" + ",".join("%s=%s" % (f["fieldPath"], f["order"].lower()) for f in ix["fields"]))
PY
}

# Composite indexes that exist already, in the same "group|field=order,..." form.
existing_indexes() {
  query gcloud firestore indexes composite list --project="$PROJECT" --format=json | python3 -c '
import json, sys
text = sys.stdin.read().strip()
for ix in json.loads(text) if text else []:
    group = ix.get("name", "").split("/collectionGroups/")[-1].split("/")[0]
    fields = [f for f in ix.get("fields", []) if f.get("fieldPath") != "__name__"]
    print(group + "|" + ",".join("%s=%s" % (f["fieldPath"], f.get("order", "").lower()) for f in fields))
'
}

firestore() {
  if probe gcloud firestore databases describe --database="(default)" --project="$PROJECT"; then
    exists "firestore database (default)"
  else
    run gcloud firestore databases create --project="$PROJECT" --location="$REGION" --type=firestore-native
  fi
  local line group field ttl exempt
  while IFS='|' read -r group field ttl exempt; do
    if [[ "$ttl" == 1 ]]; then
      run gcloud firestore fields ttls update "$field" --collection-group="$group" --enable-ttl \
        --project="$PROJECT" --async
    fi
    if [[ "$exempt" == 1 ]]; then
      run gcloud firestore indexes fields update "$field" --collection-group="$group" --disable-indexes \
        --project="$PROJECT" --async
    fi
  done < <(firestore_config overrides)
  local have spec index
  have="$(existing_indexes)"
  while IFS= read -r index; do
    if grep -qxF "$index" <<< "$have"; then
      exists "composite index ${index}"
      continue
    fi
    group="${index%%|*}"
    local args=()
    IFS=',' read -r -a spec <<< "${index#*|}"
    for field in "${spec[@]}"; do args+=("--field-config=field-path=${field%%=*},order=${field#*=}"); done
    run gcloud firestore indexes composite create --project="$PROJECT" --collection-group="$group" \
      --query-scope=collection "${args[@]}" --async
  done < <(firestore_config indexes)
}

queues() {
  local line name rate concurrent attempts min_backoff max_backoff doublings verb
  for line in "${QUEUES[@]}"; do
    read -r name rate concurrent attempts min_backoff max_backoff doublings <<< "$line"
    verb=create
    if probe gcloud tasks queues describe "$name" --location="$REGION" --project="$PROJECT"; then
      exists "queue ${name} (updating its settings)"
      verb=update
    fi
    run gcloud tasks queues "$verb" "$name" --project="$PROJECT" --location="$REGION" \
      --max-dispatches-per-second="$rate" --max-concurrent-dispatches="$concurrent" \
      --max-attempts="$attempts" --min-backoff="$min_backoff" --max-backoff="$max_backoff" \
      --max-doublings="$doublings"
  done
}

# The URL the service has, or will have: Cloud Run's deterministic URL for a new service.
resolve_service_url() {
  local url number
  url="$(query gcloud run services describe "$SERVICE" --region="$REGION" --project="$PROJECT" \
    --format='value(status.url)')"
  if [[ -n "$url" ]]; then echo "$url"; return; fi
  number="$(query gcloud projects describe "$PROJECT" --format='value(projectNumber)')"
  echo "https://${SERVICE}-${number:-PROJECT_NUMBER}.${REGION}.run.app"
}

cloud_run() {
  local url env_vars config live throttling
  url="$(resolve_service_url)"
  SERVICE_URL="$url"
  env_vars="GOOGLE_CLOUD_PROJECT=${PROJECT};ROWSCOUT_LOCATION=${REGION}"
  env_vars+=";ROWSCOUT_QUEUE=${QUEUE_BASE};ROWSCOUT_TASKS_SERVICE_ACCOUNT=${TASKS_EMAIL}"
  env_vars+=";ROWSCOUT_SERVICE_ACCOUNT_EMAIL=${RUN_EMAIL}"
  env_vars+=";ROWSCOUT_ADDON_CLIENT_IDS=${ADDON_CLIENT_IDS};ROWSCOUT_MAX_ROWS_PER_JOB=${MAX_ROWS_PER_JOB}"
  env_vars+=";ROWSCOUT_TASKS_MAX_ATTEMPTS=${TASK_MAX_ATTEMPTS};ROWSCOUT_FLUSH_QUEUE=${FLUSH_QUEUE}"
  env_vars+=";ROWSCOUT_RESEARCH_DEADLINE=${RESEARCH_DEADLINE};ROWSCOUT_PLAN_DEADLINE=${PLAN_DEADLINE}"
  env_vars+=";ROWSCOUT_FLUSH_DEADLINE=${FLUSH_DEADLINE}"
  env_vars+=";ROWSCOUT_SERVICE_URL=${url};ROWSCOUT_TASKS_AUDIENCE=${url}"
  if [[ -n "$ALLOWED_DOMAINS" ]]; then env_vars+=";ROWSCOUT_ALLOWED_DOMAINS=${ALLOWED_DOMAINS}"; fi
  [[ "$CPU_THROTTLING" == 1 ]] && throttling=--cpu-throttling || throttling=--no-cpu-throttling
  local flags=(
    --project="$PROJECT" --region="$REGION" --image="$IMAGE" --service-account="$RUN_EMAIL"
    --concurrency="$CONCURRENCY" --cpu="$CPU" --memory="$MEMORY" --timeout="$TIMEOUT"
    --min-instances="$MIN_INSTANCES" --max-instances="$MAX_INSTANCES" "$throttling" --allow-unauthenticated
    --command=gunicorn
    --args="--bind=:8080,--workers=1,--threads=${GUNICORN_THREADS},--timeout=0,main:app"
    "--update-env-vars=^;^${env_vars}"
  )
  # The settings' fingerprint, kept as a label: an unchanged service is not redeployed.
  config="$(printf '%s\n' "${flags[@]}" | sha256sum | cut -c1-16)"
  live="$(query gcloud run services describe "$SERVICE" --region="$REGION" --project="$PROJECT" \
    --format='value(metadata.labels.rowscout-config)')"
  if [[ "$live" == "$config" ]]; then
    exists "service ${SERVICE} with these settings (${config}); not redeployed"
  else
    run gcloud run deploy "$SERVICE" "${flags[@]}" --update-labels="rowscout-config=${config}"
  fi
  # Defence in depth: the tasks account may invoke the service even if it is later made private.
  run gcloud run services add-iam-policy-binding "$SERVICE" --project="$PROJECT" --region="$REGION" \
    --member="serviceAccount:${TASKS_EMAIL}" --role=roles/run.invoker
}

scheduler() {
  local verb=create
  if probe gcloud scheduler jobs describe rowscout-refresh --location="$REGION" --project="$PROJECT"; then
    exists "scheduler job rowscout-refresh (updating it)"
    verb=update
  fi
  run gcloud scheduler jobs "$verb" http rowscout-refresh \
    --project="$PROJECT" --location="$REGION" --schedule="$REFRESH_SCHEDULE" \
    --time-zone="$REFRESH_TIME_ZONE" --uri="${SERVICE_URL}/cron/refresh" --http-method=POST \
    --oidc-service-account-email="$TASKS_EMAIL" --oidc-token-audience="$SERVICE_URL" \
    --attempt-deadline=600s
}

main() {
  enable_apis
  artifact_repository
  image
  service_accounts
  firestore
  queues
  cloud_run
  scheduler
  echo "Rowscout deployed at ${SERVICE_URL} (dry run: ${DRY_RUN})"
}

main
