#!/usr/bin/env bash
# Deploy Rowscout to Google Cloud: APIs, service accounts + IAM, Firestore (TTL, indexes),
# Cloud Tasks queues, the Cloud Run service and the Cloud Scheduler refresh job.
# Every setting comes from infra/config.env. Re-running is safe (create-or-update).
#
#   infra/deploy.sh --dry-run   print every command, run nothing (no gcloud needed)
#   infra/deploy.sh             deploy (needs gcloud, authenticated, with owner rights)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/config.env
source "${HERE}/config.env"

DRY_RUN=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

run() {
  printf '+'; printf ' %q' "$@"; printf '\n'
  if [[ "$DRY_RUN" == 0 ]]; then "$@"; fi
}

# create once: a resource that already exists is fine on a re-run.
create_once() {
  run "$@" || echo "  (exists already; kept)"
}

# create-or-update: try the create command, fall back to the update command.
ensure() {
  local create="$1" update="$2"; shift 2
  if [[ "$DRY_RUN" == 1 ]]; then run gcloud $create "$@"; return; fi
  gcloud $create "$@" 2>/dev/null || run gcloud $update "$@"
}

# Every dispatch deadline must fit Cloud Tasks' range and the Cloud Run request timeout.
check_deadlines() {
  local name value
  for name in RESEARCH_DEADLINE PLAN_DEADLINE FLUSH_DEADLINE; do
    value="${!name%s}"
    if ! [[ "$value" =~ ^[0-9]+$ ]] || (( value < 15 || value > 1800 || value > TIMEOUT )); then
      echo "${name}=${!name}: must be 15s-1800s and at most TIMEOUT=${TIMEOUT}" >&2
      exit 2
    fi
  done
}
check_deadlines

RUN_EMAIL="${RUN_SA}@${PROJECT}.iam.gserviceaccount.com"
TASKS_EMAIL="${TASKS_SA}@${PROJECT}.iam.gserviceaccount.com"

enable_apis() {
  run gcloud services enable run.googleapis.com cloudtasks.googleapis.com firestore.googleapis.com \
    cloudscheduler.googleapis.com sheets.googleapis.com drive.googleapis.com \
    artifactregistry.googleapis.com --project="$PROJECT"
}

service_accounts() {
  create_once gcloud iam service-accounts create "$RUN_SA" --project="$PROJECT" --display-name="Rowscout service"
  create_once gcloud iam service-accounts create "$TASKS_SA" --project="$PROJECT" --display-name="Rowscout tasks invoker"
  for role in roles/datastore.user roles/cloudtasks.enqueuer roles/logging.logWriter; do
    run gcloud projects add-iam-policy-binding "$PROJECT" --member="serviceAccount:${RUN_EMAIL}" \
      --role="$role" --condition=None
  done
  # The service creates tasks that carry OIDC tokens of the tasks account: it must be able to act as it.
  run gcloud iam service-accounts add-iam-policy-binding "$TASKS_EMAIL" --project="$PROJECT" \
    --member="serviceAccount:${RUN_EMAIL}" --role=roles/iam.serviceAccountUser
}

firestore() {
  create_once gcloud firestore databases create --project="$PROJECT" --location="$REGION" --type=firestore-native
  run gcloud firestore fields ttls update expire_at --collection-group=jobs --enable-ttl \
    --project="$PROJECT" --async
  run gcloud firestore fields ttls update expire_at --collection-group=rows --enable-ttl \
    --project="$PROJECT" --async
  local index
  for index in $(python3 -c '
import json, sys
for ix in json.load(open(sys.argv[1]))["indexes"]:
    print(ix["collectionGroup"] + "|" + ",".join(
        "field-path=%s,order=%s" % (f["fieldPath"], f["order"].lower()) for f in ix["fields"]))
' "${HERE}/firestore.indexes.json"); do
    local group="${index%%|*}" fields="${index#*|}" spec=()
    IFS=';' read -r -a spec <<< "${fields//,field-path/;field-path}"
    local args=()
    for f in "${spec[@]}"; do args+=("--field-config=$f"); done
    create_once gcloud firestore indexes composite create --project="$PROJECT" --collection-group="$group" \
      --query-scope=collection "${args[@]}" --async
  done
}

queues() {
  local line name rate concurrent attempts min_backoff max_backoff doublings
  for line in "${QUEUES[@]}"; do
    read -r name rate concurrent attempts min_backoff max_backoff doublings <<< "$line"
    ensure "tasks queues create $name" "tasks queues update $name" --project="$PROJECT" \
      --location="$REGION" --max-dispatches-per-second="$rate" --max-concurrent-dispatches="$concurrent" \
      --max-attempts="$attempts" --min-backoff="$min_backoff" --max-backoff="$max_backoff" \
      --max-doublings="$doublings"
  done
}

service_url() {
  if [[ "$DRY_RUN" == 1 ]]; then echo "https://${SERVICE}-PROJECTNUMBER.${REGION}.run.app"; return; fi
  gcloud run services describe "$SERVICE" --project="$PROJECT" --region="$REGION" --format='value(status.url)'
}

cloud_run() {
  local url env_vars
  # First deploy without the URL, then set the URL-dependent variables (task targets, OIDC audience).
  env_vars="GOOGLE_CLOUD_PROJECT=${PROJECT};ROWSCOUT_LOCATION=${REGION}"
  env_vars+=";ROWSCOUT_QUEUE=${QUEUE_BASE};ROWSCOUT_TASKS_SERVICE_ACCOUNT=${TASKS_EMAIL}"
  env_vars+=";ROWSCOUT_ADDON_CLIENT_IDS=${ADDON_CLIENT_IDS};ROWSCOUT_MAX_ROWS_PER_JOB=${MAX_ROWS_PER_JOB}"
  env_vars+=";ROWSCOUT_TASKS_MAX_ATTEMPTS=${TASK_MAX_ATTEMPTS};ROWSCOUT_FLUSH_QUEUE=${FLUSH_QUEUE}"
  env_vars+=";ROWSCOUT_RESEARCH_DEADLINE=${RESEARCH_DEADLINE};ROWSCOUT_PLAN_DEADLINE=${PLAN_DEADLINE}"
  env_vars+=";ROWSCOUT_FLUSH_DEADLINE=${FLUSH_DEADLINE}"
  if [[ -n "$ALLOWED_DOMAINS" ]]; then env_vars+=";ROWSCOUT_ALLOWED_DOMAINS=${ALLOWED_DOMAINS}"; fi
  run gcloud run deploy "$SERVICE" --project="$PROJECT" --region="$REGION" --image="$IMAGE" \
    --service-account="$RUN_EMAIL" --concurrency="$CONCURRENCY" --cpu="$CPU" --memory="$MEMORY" \
    --timeout="$TIMEOUT" --min-instances="$MIN_INSTANCES" --max-instances="$MAX_INSTANCES" \
    --no-cpu-throttling --allow-unauthenticated \
    --command=gunicorn --args="--bind=:8080,--workers=1,--threads=8,--timeout=0,main:app" \
    "--set-env-vars=^;^${env_vars}"
  # Defence in depth: the tasks account may invoke the service even if it is later made private.
  run gcloud run services add-iam-policy-binding "$SERVICE" --project="$PROJECT" --region="$REGION" \
    --member="serviceAccount:${TASKS_EMAIL}" --role=roles/run.invoker
  url="$(service_url)"
  run gcloud run services update "$SERVICE" --project="$PROJECT" --region="$REGION" \
    --update-env-vars="ROWSCOUT_SERVICE_URL=${url},ROWSCOUT_TASKS_AUDIENCE=${url}"
  SERVICE_URL="$url"
}

scheduler() {
  ensure "scheduler jobs create http rowscout-refresh" "scheduler jobs update http rowscout-refresh" \
    --project="$PROJECT" --location="$REGION" --schedule="$REFRESH_SCHEDULE" \
    --time-zone="$REFRESH_TIME_ZONE" --uri="${SERVICE_URL}/cron/refresh" --http-method=POST \
    --oidc-service-account-email="$TASKS_EMAIL" --oidc-token-audience="$SERVICE_URL" \
    --attempt-deadline=600s
}

main() {
  enable_apis
  service_accounts
  firestore
  queues
  cloud_run
  scheduler
  echo "Rowscout deployed at ${SERVICE_URL} (dry run: ${DRY_RUN})"
}

main
