-- +goose Up
-- The CRM core: channels, custom fields, contacts, companies, pipelines, stages, loss reasons,
-- products, deals with line items and history, tasks, activities, payments, invoices, complaints,
-- NPS answers, marketing spend, sales plans, the CRM cost ledger, tags and idempotency keys.
-- Money is INTEGER minor units of the account's currency. Records users create are soft-deleted
-- (deleted_at) and can be restored. external_source/external_id keep the id a record had in the
-- system it was imported from.

CREATE TABLE channels (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    name       TEXT      NOT NULL,
    active     BOOLEAN   NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, name),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);

CREATE TABLE custom_fields (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    entity     TEXT      NOT NULL CHECK (entity IN ('contact', 'company', 'deal')),
    key        TEXT      NOT NULL,
    name       TEXT      NOT NULL,
    type       TEXT      NOT NULL CHECK (type IN ('text', 'number', 'money', 'date', 'select', 'multiselect', 'checkbox', 'url', 'phone', 'email')),
    options    TEXT      NOT NULL DEFAULT '[]',
    required   BOOLEAN   NOT NULL DEFAULT FALSE,
    position   INTEGER   NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, entity, key),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);

CREATE TABLE companies (
    id              INTEGER PRIMARY KEY,
    account_id      BIGINT    NOT NULL,
    name            TEXT      NOT NULL,
    tax_id          TEXT      NOT NULL DEFAULT '',
    industry        TEXT      NOT NULL DEFAULT '',
    region          TEXT      NOT NULL DEFAULT '',
    segment         TEXT      NOT NULL DEFAULT '',
    phone           TEXT      NOT NULL DEFAULT '',
    email           TEXT      NOT NULL DEFAULT '',
    website         TEXT      NOT NULL DEFAULT '',
    responsible_id  BIGINT    NOT NULL,
    custom          TEXT      NOT NULL DEFAULT '{}',
    churned_at      TIMESTAMP,
    created_by      BIGINT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    version         BIGINT    NOT NULL DEFAULT 1,
    external_source TEXT,
    external_id     TEXT,
    UNIQUE (account_id, id),
    UNIQUE (account_id, external_source, external_id),
    FOREIGN KEY (account_id, responsible_id) REFERENCES users (account_id, id)
);
CREATE INDEX companies_responsible ON companies (account_id, responsible_id);
CREATE INDEX companies_name ON companies (account_id, name);
CREATE INDEX companies_tax_id ON companies (account_id, tax_id);

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    account_id      BIGINT    NOT NULL,
    name            TEXT      NOT NULL,
    position        TEXT      NOT NULL DEFAULT '',
    company_id      BIGINT,
    responsible_id  BIGINT    NOT NULL,
    channel_id      BIGINT,
    region          TEXT      NOT NULL DEFAULT '',
    segment         TEXT      NOT NULL DEFAULT '',
    custom          TEXT      NOT NULL DEFAULT '{}',
    churned_at      TIMESTAMP,
    created_by      BIGINT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    version         BIGINT    NOT NULL DEFAULT 1,
    external_source TEXT,
    external_id     TEXT,
    UNIQUE (account_id, id),
    UNIQUE (account_id, external_source, external_id),
    FOREIGN KEY (account_id, company_id) REFERENCES companies (account_id, id),
    FOREIGN KEY (account_id, responsible_id) REFERENCES users (account_id, id),
    FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id)
);
CREATE INDEX contacts_responsible ON contacts (account_id, responsible_id);
CREATE INDEX contacts_company ON contacts (account_id, company_id);
CREATE INDEX contacts_name ON contacts (account_id, name);
CREATE INDEX contacts_created ON contacts (account_id, created_at);

-- Phones (digits only, normalised: +7 912 345-67-89 and 8 (912) 345-67-89 are both 79123456789) and
-- e-mails (lowercase) of contacts, indexed for search and duplicate detection.
CREATE TABLE contact_phones (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    phone      TEXT   NOT NULL,
    raw        TEXT   NOT NULL,
    kind       TEXT   NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id)
);
CREATE INDEX contact_phones_phone ON contact_phones (account_id, phone);
CREATE INDEX contact_phones_contact ON contact_phones (account_id, contact_id);

CREATE TABLE contact_emails (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    email      TEXT   NOT NULL,
    kind       TEXT   NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id)
);
CREATE INDEX contact_emails_email ON contact_emails (account_id, email);
CREATE INDEX contact_emails_contact ON contact_emails (account_id, contact_id);

-- Tags of contacts, companies and deals.
CREATE TABLE taggings (
    account_id BIGINT NOT NULL,
    entity     TEXT   NOT NULL CHECK (entity IN ('contact', 'company', 'deal')),
    entity_id  BIGINT NOT NULL,
    tag        TEXT   NOT NULL,
    UNIQUE (account_id, entity, entity_id, tag)
);
CREATE INDEX taggings_tag ON taggings (account_id, entity, tag, entity_id);

CREATE TABLE pipelines (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    name       TEXT      NOT NULL,
    position   INTEGER   NOT NULL DEFAULT 0,
    archived   BOOLEAN   NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, name),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);

-- Stages of a pipeline in order; kind says whether a deal in it is open, won or lost. Each
-- pipeline has exactly one won and one lost stage, at its end.
CREATE TABLE stages (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT    NOT NULL,
    pipeline_id BIGINT    NOT NULL,
    name        TEXT      NOT NULL,
    position    INTEGER   NOT NULL,
    kind        TEXT      NOT NULL CHECK (kind IN ('open', 'won', 'lost')),
    probability INTEGER   NOT NULL DEFAULT 0 CHECK (probability BETWEEN 0 AND 100),
    archived    BOOLEAN   NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    version     BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, pipeline_id) REFERENCES pipelines (account_id, id)
);
CREATE INDEX stages_pipeline ON stages (account_id, pipeline_id, position);

CREATE TABLE loss_reasons (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    name       TEXT      NOT NULL,
    position   INTEGER   NOT NULL DEFAULT 0,
    archived   BOOLEAN   NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, name),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);

CREATE TABLE products (
    id              INTEGER PRIMARY KEY,
    account_id      BIGINT    NOT NULL,
    name            TEXT      NOT NULL,
    sku             TEXT      NOT NULL DEFAULT '',
    category        TEXT      NOT NULL DEFAULT '',
    price           BIGINT    NOT NULL DEFAULT 0 CHECK (price >= 0),
    cost            BIGINT    NOT NULL DEFAULT 0 CHECK (cost >= 0),
    active          BOOLEAN   NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    version         BIGINT    NOT NULL DEFAULT 1,
    external_source TEXT,
    external_id     TEXT,
    UNIQUE (account_id, id),
    UNIQUE (account_id, external_source, external_id),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);
CREATE INDEX products_name ON products (account_id, name);
CREATE INDEX products_sku ON products (account_id, sku);

-- A deal is created when a lead comes in (created_at) and ends won or lost (closed_at). status
-- follows the kind of its stage. amount and cost are kept equal to the sums of the line items
-- when the deal has any; otherwise amount is what the user entered and cost is 0.
CREATE TABLE deals (
    id                  INTEGER PRIMARY KEY,
    account_id          BIGINT    NOT NULL,
    name                TEXT      NOT NULL,
    pipeline_id         BIGINT    NOT NULL,
    stage_id            BIGINT    NOT NULL,
    status              TEXT      NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    amount              BIGINT    NOT NULL DEFAULT 0 CHECK (amount >= 0),
    cost                BIGINT    NOT NULL DEFAULT 0 CHECK (cost >= 0),
    responsible_id      BIGINT    NOT NULL,
    contact_id          BIGINT,
    company_id          BIGINT,
    channel_id          BIGINT,
    utm_source          TEXT      NOT NULL DEFAULT '',
    utm_medium          TEXT      NOT NULL DEFAULT '',
    utm_campaign        TEXT      NOT NULL DEFAULT '',
    utm_content         TEXT      NOT NULL DEFAULT '',
    utm_term            TEXT      NOT NULL DEFAULT '',
    region              TEXT      NOT NULL DEFAULT '',
    segment             TEXT      NOT NULL DEFAULT '',
    expected_close_date DATE,
    loss_reason_id      BIGINT,
    loss_comment        TEXT      NOT NULL DEFAULT '',
    custom              TEXT      NOT NULL DEFAULT '{}',
    created_by          BIGINT,
    created_at          TIMESTAMP NOT NULL,
    stage_changed_at    TIMESTAMP NOT NULL,
    closed_at           TIMESTAMP,
    updated_at          TIMESTAMP NOT NULL,
    deleted_at          TIMESTAMP,
    version             BIGINT    NOT NULL DEFAULT 1,
    external_source     TEXT,
    external_id         TEXT,
    UNIQUE (account_id, id),
    UNIQUE (account_id, external_source, external_id),
    FOREIGN KEY (account_id, pipeline_id) REFERENCES pipelines (account_id, id),
    FOREIGN KEY (account_id, stage_id) REFERENCES stages (account_id, id),
    FOREIGN KEY (account_id, responsible_id) REFERENCES users (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id),
    FOREIGN KEY (account_id, company_id) REFERENCES companies (account_id, id),
    FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id),
    FOREIGN KEY (account_id, loss_reason_id) REFERENCES loss_reasons (account_id, id),
    CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX deals_stage ON deals (account_id, pipeline_id, stage_id);
CREATE INDEX deals_responsible ON deals (account_id, responsible_id, status);
CREATE INDEX deals_created ON deals (account_id, created_at);
CREATE INDEX deals_closed ON deals (account_id, closed_at);
CREATE INDEX deals_contact ON deals (account_id, contact_id);
CREATE INDEX deals_company ON deals (account_id, company_id);
CREATE INDEX deals_channel ON deals (account_id, channel_id);

-- Other contacts of a deal (the main one is deals.contact_id).
CREATE TABLE deal_contacts (
    account_id BIGINT NOT NULL,
    deal_id    BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    UNIQUE (account_id, deal_id, contact_id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id)
);
CREATE INDEX deal_contacts_contact ON deal_contacts (account_id, contact_id);

CREATE TABLE deal_items (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT  NOT NULL,
    deal_id    BIGINT  NOT NULL,
    product_id BIGINT,
    name       TEXT    NOT NULL,
    quantity   BIGINT  NOT NULL CHECK (quantity > 0),
    price      BIGINT  NOT NULL CHECK (price >= 0),
    discount   BIGINT  NOT NULL DEFAULT 0 CHECK (discount >= 0),
    cost       BIGINT  NOT NULL DEFAULT 0 CHECK (cost >= 0),
    amount     BIGINT  NOT NULL CHECK (amount >= 0),
    upsell     BOOLEAN NOT NULL DEFAULT FALSE,
    position   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id),
    FOREIGN KEY (account_id, product_id) REFERENCES products (account_id, id)
);
CREATE INDEX deal_items_deal ON deal_items (account_id, deal_id);
CREATE INDEX deal_items_product ON deal_items (account_id, product_id);

-- Every stage change of a deal, including its creation (from_stage_id NULL) and moves between
-- pipelines: the funnel, time in stage and before/after analysis are computed from these rows.
CREATE TABLE deal_stage_events (
    id               INTEGER PRIMARY KEY,
    account_id       BIGINT    NOT NULL,
    deal_id          BIGINT    NOT NULL,
    at               TIMESTAMP NOT NULL,
    from_pipeline_id BIGINT,
    from_stage_id    BIGINT,
    to_pipeline_id   BIGINT    NOT NULL,
    to_stage_id      BIGINT    NOT NULL,
    user_id          BIGINT,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id)
);
CREATE INDEX deal_stage_events_deal ON deal_stage_events (account_id, deal_id, at);
CREATE INDEX deal_stage_events_stage ON deal_stage_events (account_id, to_stage_id, at);

-- Every change of a deal's responsible user.
CREATE TABLE deal_responsible_events (
    id            INTEGER PRIMARY KEY,
    account_id    BIGINT    NOT NULL,
    deal_id       BIGINT    NOT NULL,
    at            TIMESTAMP NOT NULL,
    from_user_id  BIGINT,
    to_user_id    BIGINT    NOT NULL,
    by_user_id    BIGINT,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id)
);
CREATE INDEX deal_responsible_events_deal ON deal_responsible_events (account_id, deal_id, at);

-- Tasks on a deal, contact or company (or none); overdue is derived from due_at and done_at.
CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT    NOT NULL,
    type           TEXT      NOT NULL CHECK (type IN ('call', 'meeting', 'email', 'follow_up', 'other')),
    title          TEXT      NOT NULL,
    description    TEXT      NOT NULL DEFAULT '',
    deal_id        BIGINT,
    contact_id     BIGINT,
    company_id     BIGINT,
    responsible_id BIGINT    NOT NULL,
    due_at         TIMESTAMP NOT NULL,
    done_at        TIMESTAMP,
    result         TEXT      NOT NULL DEFAULT '',
    created_by     BIGINT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    deleted_at     TIMESTAMP,
    version        BIGINT    NOT NULL DEFAULT 1,
    external_source TEXT,
    external_id     TEXT,
    UNIQUE (account_id, id),
    UNIQUE (account_id, external_source, external_id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id),
    FOREIGN KEY (account_id, company_id) REFERENCES companies (account_id, id),
    FOREIGN KEY (account_id, responsible_id) REFERENCES users (account_id, id)
);
CREATE INDEX tasks_responsible ON tasks (account_id, responsible_id, done_at, due_at);
CREATE INDEX tasks_due ON tasks (account_id, due_at);
CREATE INDEX tasks_deal ON tasks (account_id, deal_id);
CREATE INDEX tasks_contact ON tasks (account_id, contact_id);
CREATE INDEX tasks_company ON tasks (account_id, company_id);

-- The timeline: calls, e-mails, meetings, messages and notes. A touch (KPI.md) is an outbound call,
-- e-mail or message, or a meeting, logged by a user.
CREATE TABLE activities (
    id               INTEGER PRIMARY KEY,
    account_id       BIGINT    NOT NULL,
    kind             TEXT      NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'message', 'note')),
    direction        TEXT      NOT NULL DEFAULT '' CHECK (direction IN ('', 'in', 'out')),
    deal_id          BIGINT,
    contact_id       BIGINT,
    company_id       BIGINT,
    user_id          BIGINT,
    at               TIMESTAMP NOT NULL,
    duration_seconds INTEGER   NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
    result           TEXT      NOT NULL DEFAULT '',
    subject          TEXT      NOT NULL DEFAULT '',
    body             TEXT      NOT NULL DEFAULT '',
    channel          TEXT      NOT NULL DEFAULT '',
    recording_url    TEXT      NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    deleted_at       TIMESTAMP,
    version          BIGINT    NOT NULL DEFAULT 1,
    external_source  TEXT,
    external_id      TEXT,
    UNIQUE (account_id, id),
    UNIQUE (account_id, external_source, external_id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id),
    FOREIGN KEY (account_id, company_id) REFERENCES companies (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id)
);
CREATE INDEX activities_deal ON activities (account_id, deal_id, at);
CREATE INDEX activities_contact ON activities (account_id, contact_id, at);
CREATE INDEX activities_company ON activities (account_id, company_id, at);
CREATE INDEX activities_user ON activities (account_id, user_id, at);

CREATE TABLE invoices (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    deal_id    BIGINT    NOT NULL,
    number     TEXT      NOT NULL,
    issued_on  DATE      NOT NULL,
    due_on     DATE,
    amount     BIGINT    NOT NULL CHECK (amount >= 0),
    status     TEXT      NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'paid', 'cancelled')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, number),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id)
);
CREATE INDEX invoices_deal ON invoices (account_id, deal_id);

-- Scheduled payments of a deal (the plan) and payments received (the fact).
CREATE TABLE payment_plans (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    deal_id    BIGINT    NOT NULL,
    due_on     DATE      NOT NULL,
    amount     BIGINT    NOT NULL CHECK (amount > 0),
    note       TEXT      NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id)
);
CREATE INDEX payment_plans_deal ON payment_plans (account_id, deal_id);
CREATE INDEX payment_plans_due ON payment_plans (account_id, due_on);

CREATE TABLE payments (
    id              INTEGER PRIMARY KEY,
    account_id      BIGINT    NOT NULL,
    deal_id         BIGINT    NOT NULL,
    invoice_id      BIGINT,
    paid_at         TIMESTAMP NOT NULL,
    amount          BIGINT    NOT NULL CHECK (amount > 0),
    method          TEXT      NOT NULL DEFAULT '',
    note            TEXT      NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    version         BIGINT    NOT NULL DEFAULT 1,
    external_source TEXT,
    external_id     TEXT,
    UNIQUE (account_id, id),
    UNIQUE (account_id, external_source, external_id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id),
    FOREIGN KEY (account_id, invoice_id) REFERENCES invoices (account_id, id)
);
CREATE INDEX payments_deal ON payments (account_id, deal_id);
CREATE INDEX payments_paid ON payments (account_id, paid_at);

-- Complaints (рекламации).
CREATE TABLE complaints (
    id             INTEGER PRIMARY KEY,
    account_id     BIGINT    NOT NULL,
    contact_id     BIGINT,
    company_id     BIGINT,
    deal_id        BIGINT,
    responsible_id BIGINT    NOT NULL,
    category       TEXT      NOT NULL DEFAULT '',
    text           TEXT      NOT NULL,
    registered_at  TIMESTAMP NOT NULL,
    resolved_at    TIMESTAMP,
    resolution     TEXT      NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    deleted_at     TIMESTAMP,
    version        BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id),
    FOREIGN KEY (account_id, company_id) REFERENCES companies (account_id, id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id),
    FOREIGN KEY (account_id, responsible_id) REFERENCES users (account_id, id)
);
CREATE INDEX complaints_registered ON complaints (account_id, registered_at);
CREATE INDEX complaints_deal ON complaints (account_id, deal_id);

CREATE TABLE nps_answers (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT    NOT NULL,
    contact_id  BIGINT    NOT NULL,
    deal_id     BIGINT,
    score       INTEGER   NOT NULL CHECK (score BETWEEN 0 AND 10),
    comment     TEXT      NOT NULL DEFAULT '',
    answered_at TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id),
    FOREIGN KEY (account_id, deal_id) REFERENCES deals (account_id, id)
);
CREATE INDEX nps_answers_answered ON nps_answers (account_id, answered_at);
CREATE INDEX nps_answers_contact ON nps_answers (account_id, contact_id);

-- Marketing spend of a channel over [starts_on, ends_on] (inclusive); KPIs pro-rate it by day.
CREATE TABLE marketing_spend (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT    NOT NULL,
    channel_id  BIGINT    NOT NULL,
    starts_on   DATE      NOT NULL,
    ends_on     DATE      NOT NULL,
    amount      BIGINT    NOT NULL CHECK (amount >= 0),
    note        TEXT      NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP,
    version     BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX marketing_spend_channel ON marketing_spend (account_id, channel_id, starts_on);
CREATE INDEX marketing_spend_period ON marketing_spend (account_id, starts_on, ends_on);

-- Monthly sales plans of a manager (scope 'user'), a team ('team') or the account ('account',
-- scope_id 0). month is the first day of the month.
CREATE TABLE sales_plans (
    id         INTEGER PRIMARY KEY,
    account_id BIGINT    NOT NULL,
    month      DATE      NOT NULL,
    scope      TEXT      NOT NULL CHECK (scope IN ('user', 'team', 'account')),
    scope_id   BIGINT    NOT NULL DEFAULT 0,
    revenue    BIGINT    NOT NULL DEFAULT 0 CHECK (revenue >= 0),
    margin     BIGINT    NOT NULL DEFAULT 0,
    won_deals  INTEGER   NOT NULL DEFAULT 0 CHECK (won_deals >= 0),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version    BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    UNIQUE (account_id, month, scope, scope_id),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);

-- What the CRM itself costs (TCO); acquisition entries also count in CAC. A monthly entry recurs
-- from incurred_on to ends_on (open-ended when NULL).
CREATE TABLE crm_costs (
    id          INTEGER PRIMARY KEY,
    account_id  BIGINT    NOT NULL,
    category    TEXT      NOT NULL CHECK (category IN ('licence', 'implementation', 'customisation', 'training', 'hardware', 'support', 'admin_salary', 'other')),
    incurred_on DATE      NOT NULL,
    recurrence  TEXT      NOT NULL DEFAULT 'one_off' CHECK (recurrence IN ('one_off', 'monthly')),
    ends_on     DATE,
    amount      BIGINT    NOT NULL CHECK (amount >= 0),
    acquisition BOOLEAN   NOT NULL DEFAULT FALSE,
    note        TEXT      NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP,
    version     BIGINT    NOT NULL DEFAULT 1,
    UNIQUE (account_id, id),
    FOREIGN KEY (account_id) REFERENCES accounts (id)
);
CREATE INDEX crm_costs_incurred ON crm_costs (account_id, incurred_on);

-- Idempotency-Key of create requests: a retried request gets the first answer again.
CREATE TABLE idempotency_keys (
    account_id   BIGINT    NOT NULL,
    user_id      BIGINT    NOT NULL,
    key          TEXT      NOT NULL,
    request_hash TEXT      NOT NULL,
    status       INTEGER   NOT NULL,
    response     BLOB      NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (account_id, user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (account_id, created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE crm_costs;
DROP TABLE sales_plans;
DROP TABLE marketing_spend;
DROP TABLE nps_answers;
DROP TABLE complaints;
DROP TABLE payments;
DROP TABLE payment_plans;
DROP TABLE invoices;
DROP TABLE activities;
DROP TABLE tasks;
DROP TABLE deal_responsible_events;
DROP TABLE deal_stage_events;
DROP TABLE deal_items;
DROP TABLE deal_contacts;
DROP TABLE deals;
DROP TABLE products;
DROP TABLE loss_reasons;
DROP TABLE stages;
DROP TABLE pipelines;
DROP TABLE taggings;
DROP TABLE contact_emails;
DROP TABLE contact_phones;
DROP TABLE contacts;
DROP TABLE companies;
DROP TABLE custom_fields;
DROP TABLE channels;
