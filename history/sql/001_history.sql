-- The run history in PostgreSQL (docs/history-sql.md, docs/architecture.md "History").
-- Applied once by history/pg_store.cpp on first use, under an advisory lock, after it has created
-- the schema volley_history; every name is schema-qualified so the tables can be queried from psql
-- without a search_path.

-- One row per stored run: what lists and trends show (the headline figures as columns, for SQL),
-- and the whole summary.json so reports can be rendered again.
CREATE TABLE volley_history.runs (
    run_id          bigserial PRIMARY KEY,
    scenario_name   text NOT NULL,               -- summary.json scenario.name
    scenario_hash   text NOT NULL,               -- scenario.hash; '' for runs from before it
    scenario_type   text NOT NULL,               -- scenario.type
    labels          jsonb NOT NULL,              -- labels {k: v} (--label k=v)
    started_at      timestamptz NOT NULL,        -- started_at
    duration_s      double precision NOT NULL,   -- duration_s
    verdict         text NOT NULL,               -- 'pass' or 'fail'
    environment     jsonb NOT NULL,              -- environment {host, cpus, os, volley_version}
    source_dir      text NOT NULL,               -- the run directory it was added from
    requests        bigint NOT NULL,             -- totals.requests (answered)
    p50_ms          double precision,            -- latency_ms.p50 (NULL when absent)
    p95_ms          double precision,
    p99_ms          double precision,
    max_ms          double precision,
    throughput_rps  double precision,            -- totals.throughput_rps
    error_rate      double precision,            -- totals.error_rate, fraction 0..1
    hit_rate        double precision,            -- cache.hit_rate, fraction; NULL without tiers
    summary         jsonb NOT NULL,              -- summary.json as written
    added_at        timestamptz NOT NULL DEFAULT now(),
    -- A run added twice is the same row; this index also serves "runs of a hash by time".
    CONSTRAINT runs_same_run UNIQUE (scenario_hash, started_at, scenario_name)
);
-- "Runs of a scenario by time" (volley history --scenario NAME, the trend query).
CREATE INDEX runs_by_scenario_time ON volley_history.runs (scenario_name, started_at);
CREATE INDEX runs_by_time ON volley_history.runs (started_at);

-- summary.json intervals[], one row per interval (idx from 0, in order).
CREATE TABLE volley_history.intervals (
    run_id    bigint NOT NULL REFERENCES volley_history.runs ON DELETE CASCADE,
    idx       integer NOT NULL,
    t_s       double precision NOT NULL,   -- start, seconds since the run started
    length_s  double precision NOT NULL,   -- true length
    requests  bigint NOT NULL,
    errors    bigint NOT NULL,
    dropped   bigint NOT NULL,
    hits      bigint,                      -- round(hit_rate × requests); NULL without tiers
    PRIMARY KEY (run_id, idx)
);

-- summary.json requests[] (kind 'request', name = the request's name), journeys[] (kind
-- 'journey': requests = completed + failed, errors = failed, figures of duration_ms) and tags[]
-- (kind 'tag', name = 'key=value').
CREATE TABLE volley_history.series (
    run_id    bigint NOT NULL REFERENCES volley_history.runs ON DELETE CASCADE,
    kind      text NOT NULL CHECK (kind IN ('request', 'journey', 'tag')),
    name      text NOT NULL,
    requests  bigint NOT NULL,
    errors    bigint NOT NULL,
    p50_ms    double precision,
    p95_ms    double precision,
    p99_ms    double precision,
    max_ms    double precision,
    PRIMARY KEY (run_id, kind, name)
);

-- Every line of latency.hlog: one interval's response-time histogram (values in ns) of one series
-- ('' every request, '<request name>', 'journey:<name>', 'tag:<key>=<value>'), idx from 0 within
-- the series. histogram is the line's Interval_Compressed_Histogram field exactly: base64 of the
-- compressed HdrHistogram V2 encoding (reports/hdr_codec.hpp), so any window of any run can be
-- merged again losslessly, and a line of the .hlog can be written back from a row.
CREATE TABLE volley_history.histograms (
    run_id     bigint NOT NULL REFERENCES volley_history.runs ON DELETE CASCADE,
    series     text NOT NULL,
    idx        integer NOT NULL,
    start_s    double precision NOT NULL,   -- StartTimestamp, seconds since the run started
    length_s   double precision NOT NULL,   -- Interval_Length
    histogram  text NOT NULL,
    PRIMARY KEY (run_id, series, idx)
);
