-- Xentree English: submissions, per-task progress and XP per local day.
-- Modules and tasks live in the curriculum (embedded data), not here.

CREATE TABLE xel_submissions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    task_id    TEXT NOT NULL,
    module_id  TEXT NOT NULL,
    skill      TEXT NOT NULL,
    score      INTEGER NOT NULL,
    passed     INTEGER NOT NULL,
    xp         INTEGER NOT NULL, -- awarded by this submission
    answer     TEXT NOT NULL,    -- the request, JSON
    evaluation TEXT,             -- JSON, for open tasks
    day        TEXT NOT NULL,    -- the learner's local date (YYYY-MM-DD)
    created_at INTEGER NOT NULL
);
CREATE INDEX xel_submissions_user ON xel_submissions(user_id, created_at);

-- The best result per task: XP is earned once per task, improvements add the difference.
CREATE TABLE xel_task_progress (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    task_id    TEXT NOT NULL,
    module_id  TEXT NOT NULL,
    best_score INTEGER NOT NULL,
    passed     INTEGER NOT NULL,
    xp         INTEGER NOT NULL,
    attempts   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, task_id)
) WITHOUT ROWID;
CREATE INDEX xel_task_progress_module ON xel_task_progress(user_id, module_id);

CREATE TABLE xel_days (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day     TEXT NOT NULL,
    xp      INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
) WITHOUT ROWID;
