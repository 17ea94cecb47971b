-- Version 15 changes how text becomes search terms: a full stop or colon
-- between two letters now separates words (store/index splitJoined), so
-- "Topic:mitochondria" is found by "mitochondria". The search table holds
-- terms made the old way; emptied, it is rebuilt from the database when the
-- engine opens, as a lost index is (searches find nothing until then).
DELETE FROM search_docs;
