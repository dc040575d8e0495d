-- +goose Up
-- Stage moves by who made them and when: CRM adoption asks, for each manager and working day,
-- whether they moved a deal (analytics/staff.go), one index seek each.
CREATE INDEX deal_stage_events_user ON deal_stage_events (account_id, user_id, at);
-- Activities by time: the touches of a period (manager activity, the daily report) as a range.
CREATE INDEX activities_at ON activities (account_id, at);
-- Companies by creation, as contacts already are: the prospects of a period (new_contacts).
CREATE INDEX companies_created ON companies (account_id, created_at);

-- +goose Down
DROP INDEX companies_created;
DROP INDEX activities_at;
DROP INDEX deal_stage_events_user;
