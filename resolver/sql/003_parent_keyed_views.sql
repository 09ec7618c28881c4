-- volley resolver schema, part 3: the views keyed by parent path (replaces part 2's views).
--
-- Siblings share their ancestors, so mv_entity_ancestors holds one row per distinct parent path
-- instead of one per entity: ~1/fan-out as many rows (100,000 entities with fan-out 10: 11,111
-- rows instead of 100,000), which is what a CONCURRENTLY refresh diffs and rewrites. An entity
-- finds its row through its current path (resolver/pg/pg_store.cpp); a root has no row (no
-- ancestors). The freshness rule is unchanged: the views answer for an entity only when no change
-- since the last refresh lies at or above its path (and, for counts, below it), so a row found
-- through a changed path is never used.

DROP FUNCTION refresh_hierarchy_views();
DROP MATERIALIZED VIEW mv_descendant_counts;
DROP MATERIALIZED VIEW mv_entity_ancestors;

-- ppath: a parent path as text; ancestor_ids: the rows whose path is a prefix of ppath (ppath
-- itself included), root first, as entity ids: the proper ancestors of every child of ppath.
-- The label at level i of a path names the only row that can sit at prefix subpath(ppath, 0, i)
-- (a path ends with its entity's id); the path equality keeps the semantics exact when a level
-- has no row. children: the entities whose parent path is ppath.
CREATE MATERIALIZED VIEW mv_entity_ancestors AS
WITH parent_paths AS (
    SELECT ltree2text(subpath(path, 0, path_depth - 1)) AS ppath, count(*) AS children
      FROM entities
     WHERE path_depth > 1
     GROUP BY 1
), lists AS (
    SELECT p.ppath, array_agg(a.entity_id ORDER BY l.i) AS ids
      FROM parent_paths p
     CROSS JOIN LATERAL unnest(string_to_array(p.ppath, '.')) WITH ORDINALITY AS l (label, i)
      JOIN entities a
        ON a.entity_id = l.label AND a.path_depth = l.i
       AND a.path = subpath(text2ltree(p.ppath), 0, l.i::int)
     GROUP BY p.ppath
)
SELECT p.ppath, COALESCE(ls.ids, '{}'::text[]) AS ancestor_ids, p.children::bigint AS children
  FROM parent_paths p
  LEFT JOIN lists ls USING (ppath);
-- Unique (CONCURRENTLY needs it) and covering: the lookup reads the list from the index alone
-- when the visibility map allows.
CREATE UNIQUE INDEX mv_entity_ancestors_ppath ON mv_entity_ancestors (ppath) INCLUDE (ancestor_ids);

-- Descendant counts (d.path <@ e.path AND d.path <> e.path): an entity is counted once for
-- each child of every parent path it is a prefix of, i.e. the sum of `children` over the rows
-- that list it. Only entities with descendants have a row; a fresh entity absent here has 0.
-- Refreshed after mv_entity_ancestors in the same transaction, so both describe one snapshot.
CREATE MATERIALIZED VIEW mv_descendant_counts AS
SELECT a.entity_id, sum(v.children)::bigint AS descendant_count
  FROM mv_entity_ancestors v
 CROSS JOIN LATERAL unnest(v.ancestor_ids) AS a (entity_id)
 GROUP BY a.entity_id;
CREATE UNIQUE INDEX mv_descendant_counts_id ON mv_descendant_counts (entity_id)
    INCLUDE (descendant_count);

-- As in part 2: refreshes both views CONCURRENTLY (readers are never blocked), records the
-- generation they reflect (a conservative lower bound: changes committed while refreshing count
-- as newer), forgets the changes they now include, bumps the data generation and returns it.
CREATE FUNCTION refresh_hierarchy_views() RETURNS bigint LANGUAGE plpgsql
    SET jit = off
    SET work_mem = '256MB'
    SET maintenance_work_mem = '256MB'
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
