-- emflow schema v3: instructions from the server to the agents beside the microscopes.
--
-- One row per instruction (a new acquisition order, squares to skip, a note),
-- addressed to one agent for one acquisition. seq orders them and is the SSE
-- event id (Last-Event-ID); enqueues take an advisory lock so seq order is
-- commit order and a resuming stream never skips a late commit.
-- state: pending -> delivered (sent on a stream, not yet acknowledged) ->
-- acked; or expired (expires_at passed before the ack) or superseded (a newer
-- instruction of the same kind for the same acquisition replaced it unacked).

CREATE TABLE agent_instructions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  agent_id text NOT NULL,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'acked', 'expired', 'superseded')),
  deliveries integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  delivered_at timestamptz,
  acked_at timestamptz,
  superseded_by uuid
);
-- What a stream reads: an agent's open instructions in seq order.
CREATE INDEX agent_instructions_open ON agent_instructions (agent_id, seq) WHERE state IN ('pending', 'delivered');
-- What supersede and expiry touch.
CREATE INDEX agent_instructions_open_kind ON agent_instructions (acquisition_id, kind) WHERE state IN ('pending', 'delivered');
CREATE INDEX agent_instructions_open_expiry ON agent_instructions (expires_at) WHERE state IN ('pending', 'delivered');
CREATE INDEX agent_instructions_acquisition_seq ON agent_instructions (acquisition_id, seq);
-- The default target of an enqueue: the agent that last sent the acquisition.
CREATE INDEX ingest_batches_acquisition_received ON ingest_batches (acquisition_id, received_at);
