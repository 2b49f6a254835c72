-- wrk script: POST /v1/completions to the relay simulator with the default key.
-- Used for the simulator throughput figure in README.md:
--   wrk -t1 -c500 -d20s -s src/bench/wrk/completions.lua http://127.0.0.1:8089
wrk.method = "POST"
wrk.path = "/v1/completions"
wrk.headers["Authorization"] = "Bearer sk-simulator"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"gpt-3.5-turbo-instruct","prompt":"Write one line about Kafka","max_tokens":16}'
