#!/bin/sh
# postgres container entry: hands the mounted password secret to the image's entrypoint as POSTGRES_PASSWORD_FILE,
# so the password is in no container's Env (docker inspect). Why a copy: the image's entrypoint reads the file
# after dropping to the postgres user, and the mounted secret keeps the host file's owner and mode 0600. The copy
# is on a tmpfs (the root filesystem is read-only), readable by the postgres user only.
set -eu
copy=/run/llmgw-postgres/password
umask 077
cat /run/secrets/postgres_password > "$copy"
chown postgres "$copy"
export POSTGRES_PASSWORD_FILE="$copy"
exec docker-entrypoint.sh "$@"
