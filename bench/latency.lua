-- wrk reports p50/p95/p99 latency (microseconds) and requests per second on one line.
done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  io.write(string.format("RESULT rps=%.1f p50=%d p95=%d p99=%d errors=%d requests=%d\n",
    summary.requests / seconds, latency:percentile(50), latency:percentile(95),
    latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    summary.requests))
end
