# Sourced by the A/B scripts. The second run of a round measured faster than the first, with the same build in both
# places (bench/results.md, 2026-12-03): every other round runs the checkouts in reverse order, so an even number of
# rounds gives each one each position.

# round_order <round> <checkout ...>: sets ORDER to the checkouts in this round's order.
round_order() {
  local round=$1; shift
  ORDER=("$@")
  if (( round % 2 == 0 )); then ORDER=(); for ((i = $#; i >= 1; i--)); do ORDER+=("${!i}"); done; fi
}
