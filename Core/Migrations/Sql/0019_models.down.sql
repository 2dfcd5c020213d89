DROP TABLE run_inputs;

-- Before 0019 a run was started by a person, a schedule, a replay or the API: a model's waiting
-- or past upstream run reads as an API run, which is what queued it.
DROP INDEX runs_one_waiting_upstream;
UPDATE runs SET trigger = 'api' WHERE trigger = 'upstream';
ALTER TABLE runs DROP CONSTRAINT runs_trigger_check;
ALTER TABLE runs ADD CONSTRAINT runs_trigger_check CHECK (trigger IN ('manual', 'schedule', 'replay', 'api'));

ALTER TABLE pipelines DROP COLUMN inputs;
