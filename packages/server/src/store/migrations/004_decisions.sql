-- emflow schema v4: acquisition decisions.
--
-- decision_settings: per session, how decisions are used (off: not computed;
-- advise: computed and shown, an operator accepts or overrides; auto: sent to
-- the microscope as soon as they are made), the policy and where they go
-- (athena: the Smart EPU Decision Service; agent: the agent's instruction
-- channel; none: only shown).
-- decisions: every decision made for a session, newest last (seq), with the
-- policy's reason codes and the numbers behind them, the ranked order it was
-- part of, its state (core's decision state machine) and the operator's
-- action on it. An operator's override is a decision of its own (source
-- 'operator') that supersedes the policy's.

CREATE TABLE decision_settings (
  acquisition_id uuid PRIMARY KEY REFERENCES acquisitions (id) ON DELETE CASCADE,
  mode text NOT NULL CHECK (mode IN ('off', 'advise', 'auto')),
  policy text NOT NULL,
  link text NOT NULL CHECK (link IN ('none', 'athena', 'agent')),
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE decisions (
  id uuid PRIMARY KEY,
  seq bigserial UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  source text NOT NULL CHECK (source IN ('policy', 'operator')),
  policy text NOT NULL,
  action text NOT NULL,
  grid_square_id uuid REFERENCES grid_squares (id) ON DELETE SET NULL,
  target text,
  reasons text[] NOT NULL DEFAULT '{}',
  numbers jsonb NOT NULL DEFAULT '{}'::jsonb,
  ranked jsonb NOT NULL DEFAULT '[]'::jsonb,
  state text NOT NULL CHECK (state IN ('proposed', 'accepted', 'rejected', 'overridden', 'sent', 'superseded')),
  operator text,
  note text,
  overrides uuid REFERENCES decisions (id) ON DELETE SET NULL,
  delivery jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  acted_at timestamptz,
  sent_at timestamptz
);
CREATE INDEX decisions_acquisition_seq ON decisions (acquisition_id, seq);
