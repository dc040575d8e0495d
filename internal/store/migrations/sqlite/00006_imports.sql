-- +goose Up
-- Imports run in the background (internal/jobs): the upload is kept in import_files until the
-- import is done, its progress and counts in imports, the rejected rows' report in import_files.

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT    NOT NULL,
    user_id     BIGINT    NOT NULL,
    file_name   TEXT      NOT NULL,
    file_size   BIGINT    NOT NULL,
    entity      TEXT      NOT NULL,
    options     TEXT      NOT NULL DEFAULT '{}',
    dry_run     BOOLEAN   NOT NULL DEFAULT FALSE,
    status      TEXT      NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    rows_total  BIGINT,
    rows_done   BIGINT    NOT NULL DEFAULT 0,
    created     BIGINT    NOT NULL DEFAULT 0,
    updated     BIGINT    NOT NULL DEFAULT 0,
    rejected    BIGINT    NOT NULL DEFAULT 0,
    warnings    BIGINT    NOT NULL DEFAULT 0,
    error       TEXT      NOT NULL DEFAULT '',
    attempts    INTEGER   NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id) REFERENCES accounts (id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE INDEX imports_created ON imports (account_id, created_at);

CREATE TABLE import_files (
    account_id BIGINT NOT NULL,
    import_id  BIGINT NOT NULL,
    kind       TEXT   NOT NULL CHECK (kind IN ('upload', 'errors')),
    content    BLOB   NOT NULL,
    PRIMARY KEY (account_id, import_id, kind),
    FOREIGN KEY (account_id, import_id) REFERENCES imports (account_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE import_files;
DROP TABLE imports;
