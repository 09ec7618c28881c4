-- volley resolver schema, part 2: the precomputed views (tier L3) and their refresh.

-- Ancestors: rows whose path is a proper prefix of the entity's path, root first.
CREATE MATERIALIZED VIEW mv_entity_ancestors AS
SELECT e.entity_id,
       e.path,
       ARRAY(SELECT a.entity_id
               FROM entities a
              WHERE a.path @> e.path AND a.path <> e.path
              ORDER BY a.path_depth) AS ancestor_ids
  FROM entities e;
CREATE UNIQUE INDEX mv_entity_ancestors_id ON mv_entity_ancestors (entity_id);

-- Descendant counts: rows strictly below the entity's path.
CREATE MATERIALIZED VIEW mv_descendant_counts AS
SELECT e.entity_id,
       e.path,
       COALESCE(c.descendants, 0)::bigint AS descendant_count
  FROM entities e
  LEFT JOIN (SELECT a.entity_id, count(*) AS descendants
               FROM entities a
               JOIN entities d ON d.path <@ a.path AND d.path <> a.path
              GROUP BY a.entity_id) c USING (entity_id);
CREATE UNIQUE INDEX mv_descendant_counts_id ON mv_descendant_counts (entity_id);

-- Refreshes both views CONCURRENTLY (readers are never blocked), records the generation they
-- reflect (a conservative lower bound: changes committed while refreshing count as newer),
-- forgets the changes they now include, bumps the data generation and returns it.
CREATE FUNCTION refresh_hierarchy_views() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    as_of bigint;
    g bigint;
BEGIN
    SELECT generation INTO as_of FROM hierarchy_state;
    REFRESH MATERIALIZED VIEW CONCURRENTLY mv_entity_ancestors;
    REFRESH MATERIALIZED VIEW CONCURRENTLY mv_descendant_counts;
    UPDATE hierarchy_state
       SET view_generation = as_of, generation = generation + 1, refreshed_at = clock_timestamp()
    RETURNING generation INTO g;
    DELETE FROM hierarchy_changes WHERE generation <= as_of;
    RETURN g;
END $$;
