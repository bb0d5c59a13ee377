-- emflow schema v2: processing of micrographs.
--
-- processing_steps: one row per (micrograph, step) with the step's state
-- (core's StepState machine: queued -> running -> done | failed), the attempt
-- that last changed it, and its result as JSON.
-- micrograph_metrics: the figures extracted from done steps, one row per
-- micrograph, so per-session aggregates (dashboards, quality scores) are one
-- indexed scan instead of JSON digging over 50,000 results.
-- processing_settings: per session, whether processing runs and with which
-- parameters (pixel size, dose per frame, ... when the files lack them).

CREATE TABLE processing_steps (
  micrograph_id uuid NOT NULL REFERENCES micrographs (id) ON DELETE CASCADE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  step text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempts integer NOT NULL DEFAULT 1,
  tool text,
  error text,
  result jsonb,
  seconds double precision,
  queued_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (micrograph_id, step)
);
CREATE INDEX processing_steps_acquisition_step_state ON processing_steps (acquisition_id, step, state);

CREATE TABLE micrograph_metrics (
  micrograph_id uuid PRIMARY KEY REFERENCES micrographs (id) ON DELETE CASCADE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  total_motion_a double precision,
  early_motion_a double precision,
  late_motion_a double precision,
  defocus_u_a double precision,
  defocus_v_a double precision,
  astigmatism_a double precision,
  astigmatism_angle_deg double precision,
  phase_shift_deg double precision,
  ctf_score double precision,
  ctf_fit_resolution_a double precision,
  particle_count integer,
  ice_median double precision,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX micrograph_metrics_acquisition ON micrograph_metrics (acquisition_id);

CREATE TABLE processing_settings (
  acquisition_id uuid PRIMARY KEY REFERENCES acquisitions (id) ON DELETE CASCADE,
  state text NOT NULL CHECK (state IN ('running', 'stopped')),
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
