#!/bin/sh
# nginx container entry: writes the generated settings (body limit, upstream), starts the address watcher (Compose
# only), then runs nginx.
# Why a watcher: nginx (1.22, no `resolve` in upstream) resolves `api-gateway` only at start or reload. When a
# replica is recreated it may come back on a new address, so we poll Docker's DNS and reload when an address
# appears that nginx does not know. A replica that dies (its address leaves DNS) or restarts on its old address
# needs no reload: nginx's passive checks (max_fails) route around it and take it back. Reloads are avoided
# because they close client keep-alive connections, and a request racing that close fails (fault suite, scenario 1).
set -eu
# Where the generated includes go (nginx.conf includes them from /tmp/llmgw-nginx; tests that run this script
# outside a container point it at their own folder and a conf that includes from there).
out=${LLMGW_NGINX_DIR:-/tmp/llmgw-nginx}
mkdir -p "$out"
body=${MAX_BODY_BYTES:-1048576}
# Exactly the gateway's limit, enforced here (413 in the OpenAI error shape, see error_page in nginx.conf).
# It used to be 64 KiB above so the gateway answered 413; but the gateway answers an oversize declared body at once
# and closes the connection while nginx is still sending it, nginx counts that as a failed replica
# (max_fails=2), and a handful of oversize uploads took every replica out for 10 s: 503 for everyone
# (found by the fault suite, scenario 8).
echo "client_max_body_size ${body};" > "$out/generated.conf"

# The host as the container sees it: the default route's gateway (Docker's bridge address). Connections the host
# itself makes to a published port arrive from there (Docker's userland proxy), so it counts as local below.
host_gateway() {
  awk '$2 == "00000000" && $3 != "00000000" { print $3; exit }' /proc/net/route 2>/dev/null | {
    read -r hex || exit 0
    printf '%d.%d.%d.%d\n' "0x$(echo "$hex" | cut -c7-8)" "0x$(echo "$hex" | cut -c5-6)" \
      "0x$(echo "$hex" | cut -c3-4)" "0x$(echo "$hex" | cut -c1-2)"
  }
}
GATEWAY_ADDRESS=${LLMGW_HOST_ADDRESS-$(host_gateway || true)}

# Stack allow-list (LLMGW_ALLOW_IPS: addresses or CIDRs, comma- or space-separated; the app validates them).
# Loopback (the healthcheck inside the container) and the host itself stay allowed, so the stack keeps its health
# and the desktop app keeps reaching it; everyone else not listed gets a 403 in the path's envelope (nginx.conf).
allow=$(echo "${LLMGW_ALLOW_IPS:-}" | tr ',' ' ')
if [ -n "$(echo "$allow" | tr -d ' ')" ]; then
  for rule in $allow 127.0.0.1 ::1 $GATEWAY_ADDRESS; do
    case "$rule" in
      *[!0-9A-Fa-f:./]*) echo "llmgw-nginx: LLMGW_ALLOW_IPS: '$rule' is not an address or CIDR" >&2; exit 64 ;;
    esac
    echo "allow $rule;" >> "$out/generated.conf"
  done
  echo "deny all;" >> "$out/generated.conf"
fi

# HTTPS (LLMGW_TLS=1): one more listener on the same server, with the certificate the app mounted.
: > "$out/server.conf"
if [ "${LLMGW_TLS:-0}" = 1 ]; then
  tls_dir=${LLMGW_TLS_DIR:-/etc/llmgw-tls}
  for f in cert.pem key.pem; do
    [ -r "$tls_dir/$f" ] || { echo "llmgw-nginx: LLMGW_TLS=1 but $tls_dir/$f is missing or unreadable" >&2; exit 66; }
  done
  listen=${LLMGW_TLS_LISTEN:-443}
  {
    echo "listen $listen ssl;"
    # LLMGW_TLS_LISTEN6= (empty) leaves IPv6 out (tests that bind 127.0.0.1 only).
    listen6=${LLMGW_TLS_LISTEN6-[::]:$listen}
    [ -z "$listen6" ] || echo "listen $listen6 ssl;"
    echo "ssl_certificate $tls_dir/cert.pem;"
    echo "ssl_certificate_key $tls_dir/key.pem;"
    echo "ssl_protocols TLSv1.2 TLSv1.3;"
    echo "ssl_session_cache shared:llmgw_tls:10m;"
    echo "ssl_session_timeout 1d;"
  } >> "$out/server.conf"
  # Strict-Transport-Security only with the user's own certificate (LLMGW_TLS_HSTS=1): a browser would otherwise
  # insist on HTTPS for this name for a year, also after the generated local CA is no longer trusted.
  if [ "${LLMGW_TLS_HSTS:-0}" = 1 ]; then
    echo 'add_header Strict-Transport-Security $llmgw_hsts always;' >> "$out/server.conf"
    printf 'map $scheme $llmgw_hsts {\n  https "max-age=31536000";\n  default "";\n}\n' >> "$out/generated.conf"
  fi
  # HTTP -> HTTPS (LLMGW_TLS_REDIRECT=1): 308 keeps the method and body. Not for loopback or the host itself
  # (the healthcheck and the desktop app's own plain-HTTP calls never leave the machine).
  if [ "${LLMGW_TLS_REDIRECT:-0}" = 1 ]; then
    {
      printf 'map "$scheme:$remote_addr" $llmgw_redirect {\n  default 0;\n  ~^http: 1;\n'
      for local in 127.0.0.1 ::1 $GATEWAY_ADDRESS; do printf '  "http:%s" 0;\n' "$local"; done
      printf '}\n'
    } >> "$out/generated.conf"
    printf 'if ($llmgw_redirect) { return 308 https://$host:%s$request_uri; }\n' "${LLMGW_TLS_PORT:-3443}" >> "$out/server.conf"
  fi
fi

UPSTREAM_HOST=${LLMGW_UPSTREAM_HOST:-api-gateway}
# The replicas' port (3000 in the stack; tests that run this script outside a container name their gateway's).
UPSTREAM_PORT=${LLMGW_UPSTREAM_PORT:-3000}
INTERVAL=${LLMGW_RESOLVE_INTERVAL:-2}
MODE=${LLMGW_UPSTREAM_MODE:-compose}

# Swarm (`resolve`): nginx resolves the service name per request through the container's DNS server (Docker's
# embedded DNS, from resolv.conf), caching the answer 1 s. Swarm lists a task's address only while it runs and
# withdraws it before the task is stopped, so scale-ups, scale-downs and rolling updates are followed within a second
# without a reload (a reload closes client keep-alive connections). nginx hands each request the cached addresses
# in a random rotation, so load spreads over every replica; a failed connect moves on to the next address
# (proxy_next_upstream). What this mode gives up: the upstream keep-alive pool and the max_fails memory.
# Compose (default): a static upstream block, re-resolved by the watcher below.
case "$MODE" in
  resolve)
    dns=$(sed -n 's/^nameserver[[:space:]]*\([0-9.]*\)[[:space:]]*$/\1/p' /etc/resolv.conf | head -n 1)
    [ -n "$dns" ] || { echo "llmgw-nginx: no IPv4 nameserver in /etc/resolv.conf" >&2; exit 1; }
    {
      echo "resolver $dns valid=1s ipv6=off;"
      echo "resolver_timeout 2s;"
      echo "map \"\" \$llmgw_upstream { default $UPSTREAM_HOST:$UPSTREAM_PORT; }"
    } > "$out/upstream.conf"
    ;;
  compose)
    {
      echo "upstream api_gateway {"
      echo "  server $UPSTREAM_HOST:$UPSTREAM_PORT max_fails=2 fail_timeout=10s;"
      echo "  keepalive 32;"
      echo "  keepalive_timeout 50s;  # below the gateway's 65 s keep-alive: nginx closes idle connections first"
      echo "}"
      echo "map \"\" \$llmgw_upstream { default api_gateway; }"
    } > "$out/upstream.conf"
    ;;
  *)
    echo "llmgw-nginx: LLMGW_UPSTREAM_MODE must be compose or resolve (got '$MODE')" >&2
    exit 1
    ;;
esac

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

if [ "${1:-}" = nginx ] && [ "$MODE" = compose ]; then
  watch_upstream &
fi
exec "$@"
