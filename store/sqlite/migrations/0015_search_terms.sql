-- Version 15 changes how text becomes search terms: a full stop or colon
-- between two letters now separates words (store/index splitJoined), so
-- "Topic:mitochondria" is found by "mitochondria". The Bleve index beside a
-- SQLite database records the analysis that made its terms, and an older
-- one is rebuilt in the background at start while it keeps answering, so
-- nothing changes here: the step exists because one version names one
-- schema on both stores (store/postgres/migrations has its twin, which
-- records the analysis beside PostgreSQL's search table).
SELECT 1;
