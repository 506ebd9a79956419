#!/bin/sh
# Prints a fresh secrets.env for the llm-gateway-secrets Secret (256-bit random hex values, URL-safe):
#   kubernetes/generate-secrets.sh > kubernetes/base/secrets.env && chmod 600 kubernetes/base/secrets.env
set -eu
hex() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
pg=$(hex); redis=$(hex); admin=$(hex)
cat <<OUT
POSTGRES_USER=llmgw
POSTGRES_PASSWORD=$pg
POSTGRES_DB=llmgw
REDIS_PASSWORD=$redis
ADMIN_TOKEN=$admin
DATABASE_URL=postgres://llmgw:$pg@postgres:5432/llmgw
REDIS_URL=redis://:$redis@redis:6379
OUT
