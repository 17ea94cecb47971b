-- Version 15 changes how text becomes search terms: a full stop or colon
-- between two words now separates them (store/index splitJoined), so
-- "Topic:mitochondria" is found by "mitochondria". search_analysis records
-- the analysis that made search_docs' terms (store/index AnalysisVersion);
-- empty, as here, or older, the index is stale and the engine rebuilds it
-- at open while the old rows keep answering. The rebuild writes it last, so
-- an interrupted one is started again at the next open.
CREATE TABLE search_analysis (
    version TEXT NOT NULL
);
