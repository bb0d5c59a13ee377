-- emflow schema v1: the EPU session model, the ingest log and the change log.
-- PostgreSQL 15 compatible (also runs on PGlite). Field columns mirror core's
-- *Fields schemas (snake_case); src/store/schema.test.ts checks they match.
--
-- Every entity table has:
--   id       UUID primary key (what the API serves)
--   seq      insertion order, the keyset-paging key (never served)
--   acquisition_id (denormalised) so per-session counts are one index scan
--   a unique natural key within its parent, the target of ingest upserts

CREATE TABLE acquisitions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  epu_id text NOT NULL,
  name text NOT NULL,
  started_at timestamptz,
  clustering_mode text,
  clustering_radius_um double precision,
  storage_folder text,
  image_file_format text,
  dose_fractions_format text,
  microscope text,
  epu_version text,
  directory text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (epu_id, name)
);

CREATE TABLE grids (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  natural_id text NOT NULL,
  slot integer,
  grid_type text,
  geometry text,
  atlas_path text,
  atlas_dir text,
  started_at timestamptz,
  ended_at timestamptz,
  hole_size_um double precision,
  hole_spacing_um double precision,
  square_count integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (acquisition_id, natural_id)
);
CREATE INDEX grids_acquisition_seq ON grids (acquisition_id, seq);

-- One atlas per grid; atlas_id is EPU's natural atlas id (may arrive later than the row).
CREATE TABLE atlases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  grid_id uuid NOT NULL UNIQUE REFERENCES grids (id) ON DELETE CASCADE,
  atlas_id text,
  acquired_at timestamptz,
  started_at timestamptz,
  name text,
  description text,
  storage_folder text,
  image_base_name text,
  file text,
  tile_count integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX atlases_acquisition ON atlases (acquisition_id);

CREATE TABLE atlas_tiles (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  atlas_id uuid NOT NULL REFERENCES atlases (id) ON DELETE CASCADE,
  natural_id text NOT NULL,
  atlas_x double precision,
  atlas_y double precision,
  width double precision,
  height double precision,
  image_base_name text,
  stage_x_um double precision,
  stage_y_um double precision,
  stage_z_um double precision,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (atlas_id, natural_id)
);
CREATE INDEX atlas_tiles_acquisition ON atlas_tiles (acquisition_id);

CREATE TABLE grid_squares (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  grid_id uuid NOT NULL REFERENCES grids (id) ON DELETE CASCADE,
  natural_id text NOT NULL,
  atlas_x double precision,
  atlas_y double precision,
  atlas_width double precision,
  atlas_height double precision,
  physical_x_um double precision,
  physical_y_um double precision,
  physical_width_um double precision,
  physical_height_um double precision,
  atlas_quality double precision,
  tile_id text,
  stage_x_um double precision,
  stage_y_um double precision,
  stage_z_um double precision,
  state text,
  selected boolean,
  unusable boolean,
  rotation_deg double precision,
  hole_spacing_um double precision,
  image_path text,
  metadata_file text,
  hole_count integer,
  image_file text,
  acquired_at timestamptz,
  applied_defocus_a double precision,
  magnification double precision,
  pixel_size_a double precision,
  detector text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (grid_id, natural_id)
);
CREATE INDEX grid_squares_grid_seq ON grid_squares (grid_id, seq);
CREATE INDEX grid_squares_grid_state_seq ON grid_squares (grid_id, state, seq);
CREATE INDEX grid_squares_acquisition ON grid_squares (acquisition_id);

-- Natural key (grid, foil hole id): micrographs name their hole without its square.
CREATE TABLE foil_holes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  grid_id uuid NOT NULL REFERENCES grids (id) ON DELETE CASCADE,
  grid_square_id uuid NOT NULL REFERENCES grid_squares (id) ON DELETE CASCADE,
  natural_id text NOT NULL,
  stage_x_um double precision,
  stage_y_um double precision,
  stage_z_um double precision,
  pixel_x double precision,
  pixel_y double precision,
  diameter_px double precision,
  near_grid_bar boolean,
  intensity_mean double precision,
  intensity_std_dev double precision,
  state text,
  selected boolean,
  found_x double precision,
  found_y double precision,
  found_width_px double precision,
  found_height_px double precision,
  found_diameter_um double precision,
  quality double precision,
  rotation_deg double precision,
  pixel_size_a double precision,
  acquired_at timestamptz,
  image_file text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (grid_id, natural_id)
);
CREATE INDEX foil_holes_square_seq ON foil_holes (grid_square_id, seq);
CREATE INDEX foil_holes_square_state_seq ON foil_holes (grid_square_id, state, seq);
CREATE INDEX foil_holes_acquisition ON foil_holes (acquisition_id);

-- natural_id is the EPU file base name (FoilHole_<fh>_Data_<loc>_<n>_<date>_<time>).
CREATE TABLE micrographs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  acquisition_id uuid NOT NULL REFERENCES acquisitions (id) ON DELETE CASCADE,
  grid_id uuid NOT NULL REFERENCES grids (id) ON DELETE CASCADE,
  grid_square_id uuid NOT NULL REFERENCES grid_squares (id) ON DELETE CASCADE,
  foil_hole_id uuid NOT NULL REFERENCES foil_holes (id) ON DELETE CASCADE,
  natural_id text NOT NULL,
  unique_id text,
  location_id text,
  acquired_at timestamptz,
  applied_defocus_a double precision,
  pixel_size_a double precision,
  magnification double precision,
  voltage_kv double precision,
  dose_e_a2 double precision,
  dose_rate_e_px_s double precision,
  exposure_time_s double precision,
  frame_count integer,
  detector text,
  detector_model text,
  electron_counted boolean,
  super_resolution_factor double precision,
  binning integer,
  readout_x integer,
  readout_y integer,
  readout_width integer,
  readout_height integer,
  energy_filter boolean,
  slit_inserted boolean,
  slit_width_ev double precision,
  phase_plate boolean,
  stage_x_um double precision,
  stage_y_um double precision,
  stage_z_um double precision,
  stage_alpha_deg double precision,
  image_shift_x double precision,
  image_shift_y double precision,
  xml_file text,
  movie_file text,
  preview_file text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (grid_id, natural_id)
);
CREATE INDEX micrographs_acquisition_seq ON micrographs (acquisition_id, seq);
CREATE INDEX micrographs_grid_seq ON micrographs (grid_id, seq);
CREATE INDEX micrographs_square_seq ON micrographs (grid_square_id, seq);
CREATE INDEX micrographs_hole_seq ON micrographs (foil_hole_id, seq);
CREATE INDEX micrographs_acquisition_acquired ON micrographs (acquisition_id, acquired_at);
CREATE INDEX micrographs_natural_id ON micrographs (natural_id);

-- Applied batches, so an agent's retry of a batch the server already committed is a no-op.
CREATE TABLE ingest_batches (
  batch_id uuid PRIMARY KEY,
  acquisition_id uuid REFERENCES acquisitions (id) ON DELETE CASCADE,
  agent_id text,
  item_count integer NOT NULL,
  created integer NOT NULL DEFAULT 0,
  updated integer NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL DEFAULT now()
);

-- The change log behind SSE and its resume (Last-Event-ID = seq).
CREATE TABLE change_events (
  seq bigserial PRIMARY KEY,
  kind text NOT NULL,
  entity_id uuid NOT NULL,
  acquisition_id uuid NOT NULL,
  op text NOT NULL CHECK (op IN ('created', 'updated')),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX change_events_acquisition_seq ON change_events (acquisition_id, seq);
