-- volley resolver schema, part 4: the views become tables refreshed incrementally.
--
-- Part 3's materialized views were recomputed whole on every refresh (~250 ms of CPU at 100,000
-- entities, and up to four times that on a machine busy with load). The rows are the same (one
-- per parent path; counts for entities with descendants), but a refresh now recomputes only the
-- rows the changes since the last refresh can have touched (hierarchy_changes holds the old and
-- new path of every changed row), or everything when there are more changes than
-- full_refresh_changes. Readers are never blocked: the rows change inside the refresh's
-- transaction, and a reader sees the old rows until it commits (what CONCURRENTLY gave).
-- The freshness rule is unchanged (resolver/pg/pg_store.cpp): the views answer for an entity
-- only when no change since the refresh lies at or above its path (counts: or below it).

DROP FUNCTION refresh_hierarchy_views();
DROP MATERIALIZED VIEW mv_descendant_counts;
DROP MATERIALIZED VIEW mv_entity_ancestors;

-- ppath: a parent path; ancestor_ids: the rows whose path is a prefix of ppath (ppath itself
-- included), root first: the proper ancestors of every child of ppath. children: the entities
-- whose parent path is ppath. The primary key covers the lookup (index-only when it can).
CREATE TABLE view_entity_ancestors (
    ppath        ltree NOT NULL,
    ancestor_ids text[] NOT NULL,
    children     bigint NOT NULL,
    PRIMARY KEY (ppath) INCLUDE (ancestor_ids)
);
-- The refresh finds the rows at or below a changed path through this index.
CREATE INDEX view_entity_ancestors_ppath_gist ON view_entity_ancestors USING gist (ppath);

-- Descendant counts of the entities that have descendants; an entity absent here has 0.
CREATE TABLE view_descendant_counts (
    entity_id        text NOT NULL,
    descendant_count bigint NOT NULL,
    PRIMARY KEY (entity_id) INCLUDE (descendant_count)
);

-- The rows of view_entity_ancestors made by the entities in scope_ids (each row counts the
-- children in scope under its parent path), or every row when scope_ids is NULL. The label at
-- level i of a path names the only entity that can sit at prefix subpath(ppath, 0, i) (a path
-- ends with its entity's id); the containment test keeps the list exact when a level has no
-- row. Dynamic SQL, so that each call gets the plan its scope needs: hash joins over the table
-- for every row, index probes for a few.
CREATE FUNCTION hierarchy_ancestor_rows(scope_ids text[])
    RETURNS TABLE (ppath ltree, ancestor_ids text[], children bigint)
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format($query$
WITH grouped AS (
    -- Grouped as text: ltree has no hash support, and sorting 100,000 paths costs more.
    SELECT ltree2text(subpath(e.path, 0, e.path_depth - 1)) AS ptext, count(*) AS children
      FROM entities e
     WHERE e.path_depth > 1 %s
     GROUP BY 1
), parent_paths AS (
    SELECT text2ltree(g.ptext) AS ppath, g.ptext, g.children FROM grouped g
), lists AS (
    SELECT p.ptext, array_agg(a.entity_id ORDER BY l.i) AS ids
      FROM parent_paths p
     CROSS JOIN LATERAL unnest(string_to_array(p.ptext, '.')) WITH ORDINALITY AS l (label, i)
      JOIN entities a ON a.entity_id = l.label AND a.path_depth = l.i AND p.ppath <@ a.path
     GROUP BY p.ptext
)
SELECT p.ppath, COALESCE(ls.ids, '{}'::text[]), p.children
  FROM parent_paths p LEFT JOIN lists ls USING (ptext)
$query$, CASE WHEN scope_ids IS NULL THEN '' ELSE 'AND e.entity_id = ANY ($1)' END)
    USING scope_ids;
END $$;

-- Brings both views up to the changes logged so far and returns the data generation after it
-- (a refresh bumps it). `rebuild`: recompute every row (also chosen when more than
-- full_refresh_changes changes are pending, e.g. after a bulk load). Records the generation the
-- views reflect (a conservative lower bound: changes committed while refreshing count as newer
-- and stay in the log) and forgets the changes they now include.
CREATE FUNCTION refresh_hierarchy_views(rebuild boolean DEFAULT false,
                                        full_refresh_changes bigint DEFAULT 5000)
    RETURNS bigint LANGUAGE plpgsql
    SET jit = off
    SET work_mem = '256MB'
    SET max_parallel_workers_per_gather = 0
AS $$
DECLARE
    as_of bigint;
    g bigint;
    pending bigint;
    roots ltree[];
    changed_ids text[];
    scope_ids text[];
BEGIN
    -- One refresh at a time; readers (ACCESS SHARE) are not blocked by this mode.
    LOCK TABLE view_entity_ancestors, view_descendant_counts IN SHARE ROW EXCLUSIVE MODE;
    SELECT generation INTO as_of FROM hierarchy_state;
    SELECT count(*) INTO pending FROM hierarchy_changes WHERE generation <= as_of;
    IF rebuild OR pending > full_refresh_changes THEN
        DELETE FROM view_entity_ancestors;
        INSERT INTO view_entity_ancestors SELECT * FROM hierarchy_ancestor_rows(NULL);
        DELETE FROM view_descendant_counts;
        INSERT INTO view_descendant_counts
        SELECT a.entity_id, sum(v.children)
          FROM view_entity_ancestors v
         CROSS JOIN LATERAL unnest(v.ancestor_ids) AS a (entity_id)
         GROUP BY a.entity_id;
    ELSIF pending > 0 THEN
        -- The changed subtrees: changed paths that lie below no other changed path.
        roots := ARRAY(
            SELECT DISTINCT c.path FROM hierarchy_changes c
             WHERE c.generation <= as_of
               AND NOT EXISTS (SELECT 1 FROM hierarchy_changes d
                                WHERE d.generation <= as_of AND d.path @> c.path
                                  AND d.path <> c.path));
        DELETE FROM view_entity_ancestors v USING unnest(roots) AS r (path)
         WHERE v.ppath <@ r.path
            OR (nlevel(r.path) > 1 AND v.ppath = subpath(r.path, 0, nlevel(r.path) - 1));
        -- The rows under a root, and the root's parent path, are made by the entities below
        -- the root and by the root's siblings.
        scope_ids := ARRAY(
            SELECT b.entity_id FROM unnest(roots) AS r (path)
              JOIN entities b ON b.path <@ r.path AND b.path_depth > nlevel(r.path)
            UNION
            SELECT b.entity_id FROM unnest(roots) AS r (path)
              JOIN entities b
                ON nlevel(r.path) > 1
               AND b.path ~ (ltree2text(subpath(r.path, 0, nlevel(r.path) - 1)) || '.*{1}')::lquery);
        INSERT INTO view_entity_ancestors SELECT * FROM hierarchy_ancestor_rows(scope_ids);
        -- An entity's count changes only when a change lies at or below it: its id is a label
        -- of that change's path. Its count is the children of the rows at or below its path.
        changed_ids := ARRAY(
            SELECT DISTINCT l.label
              FROM hierarchy_changes c
             CROSS JOIN LATERAL unnest(string_to_array(ltree2text(c.path), '.')) AS l (label)
             WHERE c.generation <= as_of);
        DELETE FROM view_descendant_counts WHERE entity_id = ANY (changed_ids);
        INSERT INTO view_descendant_counts
        SELECT e.entity_id, s.n
          FROM entities e
         CROSS JOIN LATERAL (SELECT sum(v.children) AS n FROM view_entity_ancestors v
                              WHERE v.ppath <@ e.path) AS s
         WHERE e.entity_id = ANY (changed_ids) AND s.n IS NOT NULL;
    END IF;
    UPDATE hierarchy_state
       SET view_generation = as_of, generation = generation + 1, refreshed_at = clock_timestamp()
    RETURNING generation INTO g;
    DELETE FROM hierarchy_changes WHERE generation <= as_of;
    RETURN g;
END $$;

SELECT refresh_hierarchy_views(true);
