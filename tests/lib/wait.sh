# wait_for CMD...: runs CMD every 0.1 s until it succeeds (returns 0) or
# WAIT_S seconds (default 60) have passed (returns 1). The deadline is only
# a safety net for a slow, loaded machine: a test waits for the condition
# it needs, never for a time, and asserts on the result afterwards.
wait_for() {
	local deadline=$((SECONDS + ${WAIT_S:-60}))
	until "$@"; do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}
