-- volley resolver schema, part 1: the entity hierarchy as LTREE paths (docs/architecture.md
-- "Resolver"). Paths are made of entity ids (root first); an entity's path ends with its own id.
-- Intermediate path levels may have no row (the geographic seed has some).
-- Runs inside one transaction with search_path = <schema>, public; extensions live in public.

CREATE EXTENSION IF NOT EXISTS ltree WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE entities (
    entity_id  text PRIMARY KEY CHECK (entity_id ~ '^[A-Za-z0-9_]{1,64}$'),
    name       text NOT NULL,
    parent_id  text REFERENCES entities (entity_id),
    path       ltree NOT NULL,
    path_depth int NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT entities_depth_matches_path CHECK (path_depth = nlevel(path)),
    CONSTRAINT entities_path_ends_with_id CHECK (ltree2text(subpath(path, -1)) = entity_id)
);

-- Ancestor (@>) and descendant (<@) queries.
CREATE INDEX entities_path_gist ON entities USING gist (path);
-- Level-wise scans and prefix lookups.
CREATE INDEX entities_depth_path ON entities (path_depth, path);
CREATE INDEX entities_parent ON entities (parent_id);
-- Name search (pg_trgm).
CREATE INDEX entities_name_trgm ON entities USING gin (name gin_trgm_ops);

-- One row: the data generation (bumped by every write statement and every view refresh) and
-- the generation the views were last refreshed at.
CREATE TABLE hierarchy_state (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    generation      bigint NOT NULL DEFAULT 1,
    view_generation bigint NOT NULL DEFAULT 0,
    refreshed_at    timestamptz
);
INSERT INTO hierarchy_state DEFAULT VALUES;

-- Paths written since the last refresh (old and new path of every changed row). The views
-- answer for an entity only when no change lies at or above its path (ancestors), or at,
-- above or below it (descendant counts).
CREATE TABLE hierarchy_changes (
    generation bigint NOT NULL,
    path       ltree NOT NULL
);
CREATE INDEX hierarchy_changes_path ON hierarchy_changes USING gist (path);

CREATE FUNCTION hierarchy_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g bigint;
BEGIN
    UPDATE hierarchy_state SET generation = generation + 1 RETURNING generation INTO g;
    INSERT INTO hierarchy_changes (generation, path) SELECT g, n.path FROM new_rows n;
    RETURN NULL;
END $$;

CREATE FUNCTION hierarchy_log_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g bigint;
BEGIN
    UPDATE hierarchy_state SET generation = generation + 1 RETURNING generation INTO g;
    INSERT INTO hierarchy_changes (generation, path)
        SELECT g, o.path FROM old_rows o JOIN new_rows n USING (entity_id) WHERE o.path <> n.path
        UNION ALL
        SELECT g, n.path FROM old_rows o JOIN new_rows n USING (entity_id) WHERE o.path <> n.path;
    RETURN NULL;
END $$;

CREATE FUNCTION hierarchy_log_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g bigint;
BEGIN
    UPDATE hierarchy_state SET generation = generation + 1 RETURNING generation INTO g;
    INSERT INTO hierarchy_changes (generation, path) SELECT g, o.path FROM old_rows o;
    RETURN NULL;
END $$;

CREATE TRIGGER entities_log_insert AFTER INSERT ON entities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hierarchy_log_insert();
CREATE TRIGGER entities_log_update AFTER UPDATE ON entities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hierarchy_log_update();
CREATE TRIGGER entities_log_delete AFTER DELETE ON entities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hierarchy_log_delete();
