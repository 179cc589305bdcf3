#!/usr/bin/env bash
# The database scenario in one command: PostgreSQL 15 scores every new customer through Swerve.
# Installs PostgreSQL and PL/Python from Debian if they are missing, creates a throwaway cluster
# in a temporary directory on a loopback port (never a system cluster), starts Swerve on the
# churn model, runs integrations/postgres/churn.sql, inserts the scenario's example customer and
# prints the prediction the trigger stored. Everything is stopped and removed on exit.
set -euo pipefail

usage() { echo "usage: scripts/postgres-demo.sh"; }
case "${1:-}" in
  "") ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/postgres-common.sh
source "$REPO/scripts/postgres-common.sh"
trap pg_cleanup EXIT

pg_install
pg_start
swerve_start "$REPO/model-artifacts/churn"
log "psql -v swerve_url=http://127.0.0.1:$SWERVE_PORT -f integrations/postgres/churn.sql"
pg_psql -v swerve_url="http://127.0.0.1:$SWERVE_PORT" -f "$REPO/integrations/postgres/churn.sql"

pg_psql <<'SQL'
\echo
\echo '-- A new customer arrives; the BEFORE INSERT trigger asks Swerve whether they will churn:'
\echo 'INSERT INTO churn_inserts (state, acc_length, ..., cust_service_calls)'
\echo '  VALUES (''AK'', 55, 415, ''312-6133'', ''yes'', ''no'', 0, 129.1, 157, 222.12, 228.5, 83, 19.42, 208.8, 111, 9.4, 12.7, 6, 3.43, 4);'
INSERT INTO churn_inserts (state, acc_length, area_code, phone, int_plan, vmail_plan, vmail_msg,
    day_mins, day_calls, day_charge, eve_mins, eve_calls, eve_charge,
    night_mins, night_calls, night_charge, int_mins, int_calls, int_charge, cust_service_calls)
VALUES ('AK', 55, 415, '312-6133', 'yes', 'no', 0, 129.1, 157, 222.12, 228.5, 83, 19.42, 208.8, 111, 9.4, 12.7, 6, 3.43, 4);
\echo
\echo '-- What was stored:'
SELECT id, state, phone, int_plan, cust_service_calls, prediction AS will_churn FROM churn_inserts;
\echo '-- The same call by hand (Aurora''s aws_sagemaker.invoke_endpoint, answer as text):'
SELECT aws_sagemaker.invoke_endpoint('churn', NULL, 'AK', '55', '415', '312-6133', 'yes', 'no', '0', '129.1', '157',
       '222.12', '228.5', '83', '19.42', '208.8', '111', '9.4', '12.7', '6', '3.43', '4') AS answer;
\echo '-- Requests this session made, over one kept-alive connection:'
SELECT * FROM aws_sagemaker.session_stats();
SQL
