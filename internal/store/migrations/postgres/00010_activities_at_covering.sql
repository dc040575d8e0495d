-- +goose Up
-- Activities by time carry the columns the touch counts of a period read (who logged it, its
-- kind and direction, its deal, whether it is deleted), so that counting a year of touches reads
-- the index alone instead of looking up every activity in the table: the manager activity KPI by
-- month and manager over a 1M-deal account on SQLite went from 26.3 s to 8.1 s
-- (docs/benchmarks.md). It replaces the plain (account_id, at) index of 00007, a prefix of it.
DROP INDEX activities_at;
CREATE INDEX activities_at ON activities (account_id, at, user_id, kind, direction, deal_id, deleted_at);

-- +goose Down
DROP INDEX activities_at;
CREATE INDEX activities_at ON activities (account_id, at);
