-- +goose Up
-- The ROI planner of an account («Прогноз эффекта до внедрения»): one row per account holding the
-- planner's inputs (today's business model, the expected effects, the cost schedule) as JSON that
-- Voronka validates before storing; the plan itself is computed from them on every read.
CREATE TABLE roi_plans (
    account_id BIGINT    NOT NULL,
    inputs     TEXT      NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT    NOT NULL DEFAULT 1,
    PRIMARY KEY (account_id),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);

-- +goose Down
DROP TABLE roi_plans;
