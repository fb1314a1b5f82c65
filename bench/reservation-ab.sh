#!/usr/bin/env bash
# The reservation as the order workflow runs it (the order's row in the reservation's transaction), alone against a
# MariaDB of its own: reservations per second and the CPU per reservation of the reserving process and of mariadbd, for
# two or more checkouts, rounds interleaved on the same machine state.
# Usage: bash bench/reservation-ab.sh [rounds=3] [reservations=4000] checkout...   (each is built in Release)
set -uo pipefail
rounds=${1:-3}; reservations=${2:-4000}; shift 2 || true
checkouts=("$@"); [ ${#checkouts[@]} -eq 0 ] && checkouts=("$(realpath "$(dirname "$0")/..")")
for checkout in "${checkouts[@]}"; do dotnet build -c Release "$checkout/OmniFlow.Stress" -v q -nologo >/dev/null || exit 1; done
work=$(mktemp -d /tmp/reservation-ab.XXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
mariadb-install-db --no-defaults --datadir="$work/data" --user="$(id -un)" --auth-root-authentication-method=normal \
  --skip-test-db --skip-name-resolve >/dev/null 2>&1 || { echo "mariadb-install-db failed"; exit 1; }
"$mariadbd" --no-defaults --datadir="$work/data" --user="$(id -un)" --port="$port" --bind-address=127.0.0.1 \
  --socket="$work/mariadb.sock" --pid-file="$work/mariadb.pid" --log-error="$work/error.log" --skip-name-resolve \
  --skip-log-bin --innodb-flush-log-at-trx-commit=2 --max-connections=500 >/dev/null 2>&1 &
db_pid=$!
trap 'kill $db_pid 2>/dev/null; wait $db_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do mariadb --socket="$work/mariadb.sock" -uroot -e "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
n=0
source "$(dirname "$0")/rounds.sh"
for round in $(seq 1 "$rounds"); do
  round_order "$round" "${checkouts[@]}"
  for checkout in "${ORDER[@]}"; do
    n=$((n + 1))
    mariadb --socket="$work/mariadb.sock" -uroot -e "CREATE DATABASE bench$n CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    db="Server=127.0.0.1;Port=$port;User ID=root;Database=bench$n"
    before=$(cpu $db_pid)
    # mariadbd's CPU is counted over the whole run (the migration's share is small beside it); the reserver counts
    # its own over the reservations only.
    # No idle spinning of the thread pool, as the AppHost runs the Worker.
    out=$(DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 dotnet "$checkout/OmniFlow.Stress/bin/Release/net10.0/OmniFlow.Stress.dll" inventory --db "$db" --order-rows \
      --concurrency 16 --reservations "$reservations" --sku "HOT-$n" 2>/dev/null)
    after=$(cpu $db_pid)
    echo "$out" | awk -v c="$(git -C "$checkout" log --oneline -1 | cut -c1-50)" -v r="$round" -v n="$reservations" \
      -v db="$(( after - before ))" -v t="$ticks" '
      /^reserved / { rate = $7 } /^latency / { p99 = $6 } /^cpu / { own = $2 } /^invariant / { inv = $2 == "holds:" ? "holds" : "VIOLATED" }
      END { printf "round %d  %-50s %6s res/s  p99 %5s ms  CPU per reservation: reserver %s us, mariadbd %.0f us  invariant %s\n",
            r, c, rate, p99, own, db / t * 1e6 / n, inv }'
  done
done
