-- Before 0022 every model rebuilt in full; nothing else reads how a run built.
DROP TABLE model_builds;
