#!/bin/sh
# redis container entry: builds redis-server's config from the mounted password secret, then runs the image's own
# entrypoint (which drops to the redis user). Why a config file: redis has no "password from a file" option, and
# `--requirepass <pw>` puts the password in the container's Cmd (docker inspect) and in `ps`. The config lives on
# a tmpfs (the root filesystem is read-only), readable by the redis user only.
set -eu
secret=/run/secrets/redis_password
conf_dir=/run/llmgw-redis
umask 077
# printf is a shell builtin: the password never appears in any process's arguments.
password=$(cat "$secret")
[ -n "$password" ] || { echo "llmgw-redis: $secret is empty" >&2; exit 1; }
printf 'requirepass %s\n' "$password" > "$conf_dir/redis.conf"
chown redis "$conf_dir/redis.conf" 2>/dev/null || true
unset password
exec docker-entrypoint.sh redis-server "$conf_dir/redis.conf" "$@"
