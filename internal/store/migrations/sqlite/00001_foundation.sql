-- +goose Up
-- Accounts, teams, users, API tokens, web sessions, the audit log and the event log.
-- Every table but accounts and sessions carries account_id, and every index starts with it.
-- Tables keep (account_id, id) unique so that foreign keys name the account too: a record can never
-- point at a record of another account.

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    slug         TEXT      NOT NULL UNIQUE,
    name         TEXT      NOT NULL,
    currency     TEXT      NOT NULL,
    time_zone    TEXT      NOT NULL,
    locale       TEXT      NOT NULL CHECK (locale IN ('ru', 'en')),
    go_live_date DATE,
    settings     TEXT      NOT NULL DEFAULT '{}',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      BIGINT    NOT NULL DEFAULT 1
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL REFERENCES accounts (id),
    name       TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    account_id    BIGINT    NOT NULL REFERENCES accounts (id),
    email         TEXT      NOT NULL,
    name          TEXT      NOT NULL,
    password_hash TEXT      NOT NULL,
    role          TEXT      NOT NULL CHECK (role IN ('admin', 'head', 'manager')),
    team_id       BIGINT,
    active        BOOLEAN   NOT NULL DEFAULT TRUE,
    last_login_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    version       BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, email),
    FOREIGN KEY (account_id, team_id) REFERENCES teams (account_id, id)
);
CREATE INDEX users_team ON users (account_id, team_id);

CREATE TABLE user_absences (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    user_id    BIGINT    NOT NULL,
    starts_on  DATE      NOT NULL,
    ends_on    DATE      NOT NULL,
    reason     TEXT      NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX user_absences_user ON user_absences (account_id, user_id, starts_on);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   BIGINT    NOT NULL,
    user_id      BIGINT    NOT NULL,
    name         TEXT      NOT NULL,
    prefix       TEXT      NOT NULL,
    token_hash   TEXT      NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP,
    UNIQUE (account_id, id),
    UNIQUE (account_id, token_hash),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE INDEX api_tokens_user ON api_tokens (account_id, user_id);

-- Web sessions (alexedwards/scs). A session exists before login (it carries the CSRF token), so it
-- has no account; the account and user are inside data.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB      NOT NULL,
    expiry TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    at         TIMESTAMP NOT NULL,
    user_id    BIGINT,
    entity     TEXT      NOT NULL,
    entity_id  BIGINT    NOT NULL,
    action     TEXT      NOT NULL,
    changes    TEXT      NOT NULL DEFAULT '{}',
    UNIQUE (account_id, id)
);
CREATE INDEX audit_log_entity ON audit_log (account_id, entity, entity_id, id);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    at         TIMESTAMP NOT NULL,
    type       TEXT      NOT NULL,
    entity     TEXT      NOT NULL,
    entity_id  BIGINT    NOT NULL,
    user_id    BIGINT,
    payload    TEXT      NOT NULL DEFAULT '{}',
    UNIQUE (account_id, id)
);

-- +goose Down
DROP TABLE events;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE user_absences;
DROP TABLE users;
DROP TABLE teams;
DROP TABLE accounts;
