#!/bin/sh
# nginx container entry: writes the generated settings, starts the address watcher, then runs nginx.
# Why a watcher: nginx (1.22, no `resolve` in upstream) resolves `api-gateway` only at start or reload. When a
# replica is recreated it may come back on a new address, so we poll Docker's DNS and reload when an address
# appears that nginx does not know. A replica that dies (its address leaves DNS) or restarts on its old address
# needs no reload: nginx's passive checks (max_fails) route around it and take it back. Reloads are avoided
# because they close client keep-alive connections, and a request racing that close fails (fault suite, scenario 1).
set -eu
mkdir -p /tmp/llmgw-nginx
body=${MAX_BODY_BYTES:-1048576}
# Exactly the gateway's limit, enforced here (413 in the OpenAI error shape, see error_page in nginx.conf).
# It used to be 64 KiB above so the gateway answered 413; but the gateway answers an oversize declared body at once
# and closes the connection while nginx is still sending it, nginx counts that as a failed replica
# (max_fails=2), and a handful of oversize uploads took every replica out for 10 s: 503 for everyone
# (found by the fault suite, scenario 8).
echo "client_max_body_size ${body};" > /tmp/llmgw-nginx/generated.conf

UPSTREAM_HOST=${LLMGW_UPSTREAM_HOST:-api-gateway}
INTERVAL=${LLMGW_RESOLVE_INTERVAL:-2}

resolve() {
  # glibc (Debian) and musl (Alpine) both have getent; busybox nslookup is the last resort.
  { getent ahostsv4 "$UPSTREAM_HOST" 2>/dev/null || getent hosts "$UPSTREAM_HOST" 2>/dev/null \
    || nslookup "$UPSTREAM_HOST" 2>/dev/null | sed -n 's/^Address[^:]*: *\([0-9.]*\)$/\1/p'; } \
    | awk '{print $1}' | grep -E '^[0-9.]+$' | sort -u | tr '\n' ' '
}

# Prints the addresses of $1 (space-separated) that are not in $2.
new_addresses() {
  for address in $1; do
    case " $2 " in *" $address "*) ;; *) printf '%s ' "$address" ;; esac
  done
}

watch_upstream() {
  known=$(resolve)
  while sleep "$INTERVAL"; do
    now=$(resolve)
    # Empty = no replica running: nginx keeps its last list (a reload would fail on an unknown host).
    [ -n "$now" ] || continue
    added=$(new_addresses "$now" "$known")
    if [ -n "$added" ]; then
      echo "llmgw-nginx: $UPSTREAM_HOST has new address(es) [ $added] (now [ $now]); reloading" >&2
      if nginx -s reload; then known=$now; fi
    fi
  done
}

if [ "${1:-}" = nginx ]; then
  watch_upstream &
fi
exec "$@"
