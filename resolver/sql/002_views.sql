-- volley resolver schema, part 2: the precomputed views (tier L3) and their refresh.

-- Ancestors: the rows whose path is a proper prefix of the entity's path (a.path @> e.path AND
-- a.path <> e.path), root first, one row per entity. Siblings share their list, so each list is
-- computed once per distinct parent path; the label at level i of a path names the only row
-- that can sit at prefix subpath(path, 0, i) (a path ends with its entity's id), and the path
-- equality keeps the semantics exact. Hash joins throughout (ltree has no hash opclass, text
-- does). The entity's path is not stored: freshness checks use its current path (see
-- resolver/pg/pg_store.cpp), which keeps the rows narrow and the CONCURRENTLY diff cheap.
CREATE MATERIALIZED VIEW mv_entity_ancestors AS
WITH parent_paths AS (
    SELECT DISTINCT ltree2text(subpath(path, 0, path_depth - 1)) AS ppath
      FROM entities
     WHERE path_depth > 1
), lists AS (
    SELECT p.ppath, array_agg(a.entity_id ORDER BY l.i) AS ids
      FROM parent_paths p
     CROSS JOIN LATERAL unnest(string_to_array(p.ppath, '.')) WITH ORDINALITY AS l (label, i)
      JOIN entities a
        ON a.entity_id = l.label AND a.path_depth = l.i
       AND a.path = subpath(text2ltree(p.ppath), 0, l.i::int)
     GROUP BY p.ppath
)
SELECT e.entity_id, COALESCE(ls.ids, '{}'::text[]) AS ancestor_ids
  FROM entities e
  LEFT JOIN lists ls
    ON e.path_depth > 1 AND ls.ppath = ltree2text(subpath(e.path, 0, e.path_depth - 1));
CREATE UNIQUE INDEX mv_entity_ancestors_id ON mv_entity_ancestors (entity_id);

-- Descendant counts (d.path <@ e.path AND d.path <> e.path): the rows that list the entity
-- among their ancestors. Only entities with descendants have a row; an entity present in
-- mv_entity_ancestors but absent here has 0. Refreshed after mv_entity_ancestors in the same
-- transaction, so both views describe the same snapshot.
CREATE MATERIALIZED VIEW mv_descendant_counts AS
SELECT a.entity_id, count(*)::bigint AS descendant_count
  FROM mv_entity_ancestors v
 CROSS JOIN LATERAL unnest(v.ancestor_ids) AS a (entity_id)
 GROUP BY a.entity_id;
CREATE UNIQUE INDEX mv_descendant_counts_id ON mv_descendant_counts (entity_id);

-- Refreshes both views CONCURRENTLY (readers are never blocked), records the generation they
-- reflect (a conservative lower bound: changes committed while refreshing count as newer),
-- forgets the changes they now include, bumps the data generation and returns it.
CREATE FUNCTION refresh_hierarchy_views() RETURNS bigint LANGUAGE plpgsql
    SET jit = off
    SET work_mem = '256MB'
    SET max_parallel_workers_per_gather = 0
AS $$
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
