"""The cache schema, as versioned migrations.

Column names of the main tables are a contract: administrators, BI tools and scripts query
them (see docs/cache-schema.md). Add columns and tables in new migrations; never rename.

Each migration is a list of SQL statements applied in one transaction. ``rid`` columns are
internal integer row keys used by the map and the virtual tables; ``candidate_occupations``
and ``candidate_qualifications`` are side tables derived from the list columns for fast
filtering (``list_has_any`` over 1M rows costs ~250 ms, a semi-join on a side table ~30 ms).
"""

from __future__ import annotations

MIGRATION_1 = [
    """
    CREATE TABLE cache_meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR
    )
    """,
    """
    CREATE TABLE regions (
        kode VARCHAR PRIMARY KEY,
        navn VARCHAR NOT NULL,
        geom BLOB,               -- WKB, EPSG:25832
        source VARCHAR
    )
    """,
    """
    CREATE TABLE municipalities (
        kode VARCHAR PRIMARY KEY, -- 4 digits, e.g. '0101'
        navn VARCHAR NOT NULL,
        region_kode VARCHAR,
        geom BLOB,               -- WKB (multi)polygon, EPSG:25832
        cx DOUBLE,               -- a point inside the area (label / fallback placement)
        cy DOUBLE,
        source VARCHAR
    )
    """,
    """
    CREATE TABLE candidates (
        candidate_id VARCHAR NOT NULL,     -- pseudonymous; never a CPR number
        jobcenter VARCHAR,
        kommune_kode VARCHAR,
        x DOUBLE,                          -- EPSG:25832
        y DOUBLE,
        occupation_codes VARCHAR[],        -- DISCO-08
        qualification_codes VARCHAR[],
        driving_licences VARCHAR[],
        languages VARCHAR[],
        education VARCHAR,
        experience_years INTEGER,
        unemployed_since DATE,
        target_group VARCHAR,
        cv_searchable BOOLEAN,
        cv_updated DATE,
        source VARCHAR,
        rid BIGINT NOT NULL
    )
    """,
    "CREATE TABLE candidate_occupations (rid BIGINT NOT NULL, code VARCHAR NOT NULL)",
    "CREATE TABLE candidate_qualifications (rid BIGINT NOT NULL, code VARCHAR NOT NULL)",
    """
    CREATE TABLE companies (
        cvr VARCHAR NOT NULL,
        pnr VARCHAR,                       -- production unit; NULL when only the company is known
        name VARCHAR,
        address VARCHAR,
        postnr VARCHAR,
        kommune_kode VARCHAR,
        x DOUBLE,                          -- EPSG:25832, NULL when not placed
        y DOUBLE,
        industry_code VARCHAR,             -- six digits without dots, in industry_system
        industry_text VARCHAR,
        employees INTEGER,
        employees_band VARCHAR,
        status VARCHAR,
        started DATE,
        advertising_protected BOOLEAN,
        source VARCHAR,
        refreshed_at TIMESTAMP,
        rid BIGINT NOT NULL
    )
    """,
    """
    CREATE TABLE collaborations (
        cvr VARCHAR NOT NULL,
        pnr VARCHAR,
        jobcenter VARCHAR,
        kind VARCHAR,
        started DATE,
        ended DATE,
        status VARCHAR,
        note VARCHAR,
        source VARCHAR
    )
    """,
    """
    CREATE TABLE job_postings (
        posting_id VARCHAR NOT NULL,
        cvr VARCHAR,
        pnr VARCHAR,
        occupation_code VARCHAR,
        title VARCHAR,
        posted DATE,
        deadline DATE,
        kommune_kode VARCHAR,
        x DOUBLE,
        y DOUBLE,
        source VARCHAR,
        rid BIGINT NOT NULL
    )
    """,
    """
    CREATE TABLE occupations (
        code VARCHAR PRIMARY KEY,
        title VARCHAR NOT NULL,
        parent_code VARCHAR,
        aliases VARCHAR[],
        level INTEGER
    )
    """,
    """
    CREATE TABLE qualifications (
        code VARCHAR PRIMARY KEY,
        title VARCHAR NOT NULL,
        occupation_code VARCHAR
    )
    """,
    """
    CREATE TABLE industries (
        code VARCHAR PRIMARY KEY,
        title VARCHAR NOT NULL,
        level INTEGER,
        parent_code VARCHAR
    )
    """,
    """
    CREATE TABLE unemployment_stats (
        kommune_kode VARCHAR,
        period VARCHAR,
        measure VARCHAR,
        value DOUBLE,
        unit VARCHAR,
        source VARCHAR
    )
    """,
]

# Bookkeeping for the plugin host: one row per refresh or import run.
MIGRATION_2 = [
    """
    CREATE TABLE refresh_log (
        run_id VARCHAR,
        plugin VARCHAR NOT NULL,
        started TIMESTAMP NOT NULL,
        finished TIMESTAMP,
        status VARCHAR NOT NULL,           -- running, ok, failed, cancelled, interrupted
        rows_written BIGINT DEFAULT 0,
        rows_rejected BIGINT DEFAULT 0,
        message VARCHAR
    )
    """,
]

# Companies, addresses and job postings (plugins cvr, addresses, jobnet): extra columns
# beside the contract columns, the company history, and the local address register.
MIGRATION_COMPANIES = [
    "ALTER TABLE companies ADD COLUMN industry_code_db25 VARCHAR",
    "ALTER TABLE companies ADD COLUMN industry_text_db25 VARCHAR",
    "ALTER TABLE companies ADD COLUMN street VARCHAR",  # vejnavn, for geocoding
    "ALTER TABLE companies ADD COLUMN house_no VARCHAR",  # husnummer with letter, '1L'
    "ALTER TABLE companies ADD COLUMN address_id VARCHAR",  # DAR address id from CVR
    "ALTER TABLE companies ADD COLUMN company_form VARCHAR",  # virksomhedsform
    "ALTER TABLE companies ADD COLUMN unit_kind VARCHAR",  # produktionsenhed | virksomhed
    "ALTER TABLE companies ADD COLUMN cvr_updated TIMESTAMP",  # CVR sidstOpdateret
    "ALTER TABLE companies ADD COLUMN placement_note VARCHAR",  # NULL when placed, else why not
    """
    CREATE TABLE company_history (
        cvr VARCHAR NOT NULL,
        pnr VARCHAR,                       -- NULL: the company itself
        field VARCHAR NOT NULL,            -- navn, adresse, branche, status, virksomhedsform
        value VARCHAR,
        valid_from DATE,
        valid_to DATE,                     -- NULL: current
        source VARCHAR
    )
    """,
    """
    CREATE TABLE addresses (
        address_id VARCHAR,                -- DAR adresse id
        access_id VARCHAR,                 -- DAR husnummer (adgangsadresse) id
        street VARCHAR,
        house_no VARCHAR,
        postnr VARCHAR,
        kommune_kode VARCHAR,
        match_key VARCHAR,                 -- normalised street|number|postnr
        x DOUBLE,                          -- EPSG:25832
        y DOUBLE,
        source VARCHAR
    )
    """,
    "ALTER TABLE job_postings ADD COLUMN occupation_title VARCHAR",  # Jobnet's occupation text
    "ALTER TABLE job_postings ADD COLUMN employer_name VARCHAR",
    "ALTER TABLE job_postings ADD COLUMN postnr VARCHAR",
    "ALTER TABLE job_postings ADD COLUMN url VARCHAR",
    "ALTER TABLE job_postings ADD COLUMN placement_note VARCHAR",
]

# Named column mappings for imports (``workbench import --profile NAME``, the import wizard).
MIGRATION_IMPORT_PROFILES = [
    """
    CREATE TABLE import_profiles (
        name VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,             -- candidates | collaborations
        mapping VARCHAR NOT NULL,          -- JSON object {field: column header in the file}
        created TIMESTAMP
    )
    """,
]

# Reference taxonomies (taxonomies plugin): DB25 beside DB07 (same code shapes, so its own
# table). ESCO skills go to qualifications with codes 'esco:<id>'.
MIGRATION_TAXONOMIES = [
    """
    CREATE TABLE industries_db25 (
        code VARCHAR PRIMARY KEY,          -- letters for sections, digits without dots
        title VARCHAR NOT NULL,
        level INTEGER,
        parent_code VARCHAR
    )
    """,
]

# Named spatial selections drawn on the map (rectangle, lasso/polygon, radius), reusable by
# pools and campaigns: the selection as JSON (exact: circles stay circles) and as WKB.
MIGRATION_SAVED_SELECTIONS = [
    """
    CREATE TABLE saved_selections (
        name VARCHAR PRIMARY KEY,
        entity VARCHAR NOT NULL,           -- candidates | companies | all
        selection VARCHAR NOT NULL,        -- JSON (workbench.layers.selection.Selection)
        geometry BLOB,                     -- WKB of the selected area, EPSG:25832
        filter VARCHAR,                    -- JSON of the panel filter when saved (optional)
        candidates BIGINT,                 -- counts when saved
        companies BIGINT,
        created TIMESTAMP NOT NULL
    )
    """,
]

# Which production units each collaboration counts for, keyed by the companies' rid: the
# collaboration filter becomes an integer semi-join (~10x faster on 1M units than matching
# cvr/pnr strings). Derived data, rebuilt by cache.rebuild_company_index.
MIGRATION_COMPANY_COLLABORATIONS = [
    """
    CREATE TABLE company_collaborations (
        rid BIGINT NOT NULL,
        kind VARCHAR,
        jobcenter VARCHAR
    )
    """,
    """
    INSERT INTO company_collaborations
    SELECT DISTINCT c.rid, cb.kind, cb.jobcenter
    FROM companies c JOIN collaborations cb ON cb.cvr = c.cvr
    WHERE cb.pnr IS NULL OR c.pnr IS NULL OR cb.pnr = c.pnr
    """,
]

# Jobnet postings carry no coordinates: which fallback placed each one (jobnet plugin).
MIGRATION_JOB_POSTING_PLACEMENT = [
    "ALTER TABLE job_postings ADD COLUMN placement VARCHAR",  # address | production_unit | company | postal_code
]

# The current rule (workbench.core.collaboration): a collaboration at any unit of a company
# counts for every unit of it. ``ended``/``status`` let the time window use the rid semi-join.
COMPANY_COLLABORATIONS_INSERT = """
    INSERT INTO company_collaborations (rid, kind, jobcenter, ended, status)
    SELECT DISTINCT c.rid, cb.kind, cb.jobcenter, cb.ended, cb.status
    FROM companies c JOIN collaborations cb ON cb.cvr = c.cvr
"""

# Collaboration status per company instead of per production unit (issue #10).
MIGRATION_COLLABORATIONS_PER_COMPANY = [
    "ALTER TABLE company_collaborations ADD COLUMN ended DATE",
    "ALTER TABLE company_collaborations ADD COLUMN status VARCHAR",
    "DELETE FROM company_collaborations",
    COMPANY_COLLABORATIONS_INSERT,
]

# Industry systems (issue #13): CVR puts DB25 codes in `hovedbranche` for periods from
# 2025-01-01, DB07 before, in the same field. `companies.industry_system` says which system
# `industry_code` is in; existing rows get it from their current CVR industry period in
# company_history (DB25 when it started on or after 2025-01-01), everything else DB07 (the
# documented meaning of industry_code until now). `industries` holds both systems (a
# `system` column; the same code can exist in both, so the key is (system, code));
# `industries_db25` stays for scripts that read it. `industry_key` is the DB07<->DB25 key.
MIGRATION_INDUSTRY_SYSTEMS = [
    "ALTER TABLE companies ADD COLUMN industry_system VARCHAR",  # DB07 | DB25
    """
    UPDATE companies SET industry_system = CASE WHEN EXISTS (
        SELECT 1 FROM company_history h
        WHERE h.cvr = companies.cvr AND h.pnr IS NOT DISTINCT FROM companies.pnr
          AND h.field = 'branche' AND h.valid_to IS NULL AND h.valid_from >= DATE '2025-01-01'
          AND starts_with(h.value, companies.industry_code)
    ) THEN 'DB25' ELSE 'DB07' END
    WHERE industry_code IS NOT NULL
    """,
    """
    CREATE TABLE industries_by_system (
        system VARCHAR NOT NULL DEFAULT 'DB07', -- DB07 | DB25
        code VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        level INTEGER,
        parent_code VARCHAR,
        PRIMARY KEY (system, code)
    )
    """,
    """
    INSERT INTO industries_by_system
    SELECT 'DB07', code, title, level, parent_code FROM industries
    UNION ALL SELECT 'DB25', code, title, level, parent_code FROM industries_db25
    """,
    "DROP TABLE industries",
    "ALTER TABLE industries_by_system RENAME TO industries",
    """
    CREATE TABLE industry_key (
        db07_code VARCHAR NOT NULL,        -- six digits without dots
        db25_code VARCHAR NOT NULL
    )
    """,
]

# Job orders (issue #14): what a company asks for. The full order is the JSON of
# workbench.core.matching.JobOrder (its keys are the `workbench match` contract); the other
# columns repeat what lists and scripts sort and filter on. User work: not a reference table.
MIGRATION_JOB_ORDERS = [
    """
    CREATE TABLE job_orders (
        id VARCHAR PRIMARY KEY,
        title VARCHAR,
        occupation_codes VARCHAR[],        -- DISCO-08
        cvr VARCHAR,                       -- the ordering company, when known
        pnr VARCHAR,
        source_posting_id VARCHAR,         -- the Jobnet posting it was started from
        received_at TIMESTAMP,
        clarify_by TIMESTAMP,              -- received_at + 24 h unless set
        deliver_by TIMESTAMP,              -- received_at + 72 h unless set
        order_json VARCHAR NOT NULL,       -- JobOrder.to_json()
        created TIMESTAMP NOT NULL,
        updated TIMESTAMP NOT NULL
    )
    """,
]

# Saved searches, candidate pools (emnebanker) and their changes per refresh/import run
# (issue #14). User work: not reference tables. Pools keep only the pseudonymous
# candidate_id (rids change on every import). A member who leaves keeps its row (left_at,
# left_reason) so the pool's history stays; ``pool_changes`` is one row per joined or left
# member per run.
MIGRATION_POOLS = [
    """
    CREATE TABLE saved_searches (
        name VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        entity VARCHAR NOT NULL,           -- candidates | companies | postings
        filter_json VARCHAR NOT NULL,      -- workbench.core.filters.Filter.to_dict()
        created TIMESTAMP NOT NULL,
        last_run TIMESTAMP,
        PRIMARY KEY (owner, name)
    )
    """,
    """
    CREATE TABLE pools (
        name VARCHAR PRIMARY KEY,
        owner VARCHAR NOT NULL,
        jobcenter VARCHAR,
        note VARCHAR,
        criteria_json VARCHAR,             -- a candidate Filter as JSON; NULL: members by hand
        created TIMESTAMP NOT NULL
    )
    """,
    """
    CREATE TABLE pool_members (
        pool VARCHAR NOT NULL,
        candidate_id VARCHAR NOT NULL,     -- pseudonymous, never a CPR number
        note VARCHAR,
        status VARCHAR NOT NULL,           -- ny, kontaktet, i forløb, formidlet, ikke aktuel
        added TIMESTAMP NOT NULL,
        added_by VARCHAR,
        left_at TIMESTAMP,                 -- NULL while a member
        left_reason VARCHAR,
        PRIMARY KEY (pool, candidate_id)
    )
    """,
    """
    CREATE TABLE pool_changes (
        pool VARCHAR NOT NULL,
        run_id VARCHAR,                    -- refresh_log.run_id
        candidate_id VARCHAR NOT NULL,
        change VARCHAR NOT NULL,           -- joined | left
        reason VARCHAR,
        "at" TIMESTAMP NOT NULL           -- quoted: AT is a keyword in DuckDB
    )
    """,
]

# Privacy (issue #15): what other jobcenters shared with a jobcenter (a pool by name, a job
# order by id), the purpose-bound audit log (append-only, hash-chained: core/audit.py) and
# when an import last confirmed a jobcenter's candidates (core/retention.py; existing
# candidates count as confirmed when the cache is migrated).
MIGRATION_PRIVACY_SCOPE_AUDIT = [
    """
    CREATE TABLE shares (
        kind VARCHAR NOT NULL,             -- pool | job_order
        ref VARCHAR NOT NULL,              -- the pool's name or the job order's id
        jobcenter VARCHAR NOT NULL,        -- the jobcenter it is shared with
        shared_by VARCHAR,
        shared_at TIMESTAMP
    )
    """,
    """
    CREATE TABLE audit_log (
        seq BIGINT NOT NULL,
        "at" TIMESTAMP NOT NULL,           -- "at" and "user" are SQL keywords: quote them
        "user" VARCHAR,
        jobcenter VARCHAR,
        action VARCHAR NOT NULL,           -- view_details, export, print, share_pool, purge
        subject_ids VARCHAR[],             -- pseudonymous candidate ids (or a pool's name)
        purpose VARCHAR,
        job_order_id VARCHAR,
        campaign_id VARCHAR,
        prev_hash VARCHAR NOT NULL,
        hash VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE candidate_confirmations (
        jobcenter VARCHAR PRIMARY KEY,
        confirmed_at TIMESTAMP NOT NULL
    )
    """,
    """
    INSERT INTO candidate_confirmations
    SELECT DISTINCT jobcenter, current_timestamp::TIMESTAMP FROM candidates
    WHERE jobcenter IS NOT NULL
    """,
]

# Outreach campaigns (issue #16): a campaign, its ranked targets (production units) and the
# status history of each target. User work: not reference tables.
MIGRATION_CAMPAIGNS = [
    """
    CREATE TABLE campaigns (
        name VARCHAR PRIMARY KEY,
        created TIMESTAMP NOT NULL,
        created_by VARCHAR,
        jobcenter VARCHAR,                 -- whose collaborations count as "contact"
        filter_json VARCHAR,               -- the company filter (Filter.to_dict), NULL: none
        selection VARCHAR,                 -- a saved selection's name or selection JSON
        note VARCHAR,
        advertising_policy VARCHAR NOT NULL DEFAULT 'mark'  -- mark | exclude
    )
    """,
    """
    CREATE TABLE campaign_targets (
        campaign VARCHAR NOT NULL,
        cvr VARCHAR NOT NULL,
        pnr VARCHAR,
        score DOUBLE NOT NULL,
        components_json VARCHAR,           -- the score's components (docs/campaigns.md)
        status VARCHAR NOT NULL DEFAULT 'planlagt',
        assigned_to VARCHAR,
        status_at TIMESTAMP,
        note VARCHAR
    )
    """,
    """
    CREATE TABLE campaign_target_history (
        campaign VARCHAR NOT NULL,
        cvr VARCHAR NOT NULL,
        pnr VARCHAR,
        status VARCHAR NOT NULL,
        "at" TIMESTAMP NOT NULL,           -- quoted: AT and BY are SQL keywords
        "by" VARCHAR,
        note VARCHAR
    )
    """,
]

# STAR's Arbejdsmarkedsbalancen (shortage plugin, issue #16): job prospects per DISCO-08
# occupation and municipality (the published RAR area spread over its municipalities), per
# half-year period. Read by the shortage filter, the map overlay and campaigns.
MIGRATION_SHORTAGE = [
    """
    CREATE TABLE shortage (
        occupation_code VARCHAR NOT NULL,  -- DISCO-08, 4 or 6 digits
        area_code VARCHAR NOT NULL,        -- 4-digit kommunekode covered by the published area
        area_name VARCHAR,                 -- the municipality's name
        category VARCHAR NOT NULL,         -- gode | mindre_gode | paradoks | mangel
        period VARCHAR NOT NULL,           -- half-year, e.g. '2026H2'
        source VARCHAR,
        published_area VARCHAR,            -- the area as published, e.g. 'RAR Fyn'
        occupation_title VARCHAR,          -- the published occupation title
        source_code VARCHAR,               -- the published occupation code
        category_label VARCHAR             -- the published category text
    )
    """,
]

# Team store sync (issue #18): when a campaign's metadata and a target's assignment last
# changed (last writer wins against the shared PostgreSQL store), and the jobcenter a job
# order belongs to (NULL: the workstation's own). Assignments made before keep their
# status time as their time.
MIGRATION_TEAM_STORE = [
    "ALTER TABLE campaigns ADD COLUMN updated_at TIMESTAMP",
    "ALTER TABLE campaign_targets ADD COLUMN assigned_at TIMESTAMP",
    "UPDATE campaign_targets SET assigned_at = status_at WHERE assigned_to IS NOT NULL",
    "ALTER TABLE job_orders ADD COLUMN jobcenter VARCHAR",
]

# candidate_id is unique only within a jobcenter (issue #15): a pool member carries the
# jobcenter of its candidate, so a pool shared with another jobcenter opens exactly its
# members, not every candidate with the same id. Existing members: the candidate with that
# id in the pool's jobcenter, else the only jobcenter with that id, else the pool's.
MEMBER_JOBCENTER_SQL = """
    coalesce(
        (SELECT max(c.jobcenter) FROM candidates c
         WHERE c.candidate_id = {member}.candidate_id AND c.jobcenter = {pool}.jobcenter),
        (SELECT CASE WHEN count(DISTINCT c.jobcenter) = 1 THEN max(c.jobcenter) END
         FROM candidates c WHERE c.candidate_id = {member}.candidate_id),
        {pool}.jobcenter
    )
"""
MIGRATION_MEMBER_JOBCENTER = [
    "ALTER TABLE pool_members ADD COLUMN jobcenter VARCHAR",
    "UPDATE pool_members AS m SET jobcenter = ("
    + "SELECT "
    + MEMBER_JOBCENTER_SQL.format(member="m", pool="p")
    + " FROM pools p WHERE p.name = m.pool)",
]

# A job order's shortlisted candidates (issue #15): what a job order shared with another
# jobcenter opens there (``scope.SHARE_MEMBERS``), and what the shortlist keeps after a
# retention purge: the pseudonymous id, its jobcenter and the reason only.
MIGRATION_JOB_ORDER_CANDIDATES = [
    """
    CREATE TABLE job_order_candidates (
        job_order_id VARCHAR NOT NULL,
        jobcenter VARCHAR,                 -- the candidate's jobcenter (ids repeat across them)
        candidate_id VARCHAR NOT NULL,
        reason VARCHAR,                    -- why on the list, e.g. 'kandidatforslag'
        added_at TIMESTAMP NOT NULL,
        added_by VARCHAR
    )
    """,
]

# Issue #17: the regions dissolved from the municipalities (when the cache has no region
# geometry), kept under a fingerprint of their inputs so the window does not dissolve them
# at every start (~0.4 s on the national cache). Derived data: recomputed when it is stale.
MIGRATION_REGION_OUTLINES = [
    """
    CREATE TABLE region_outlines (
        fingerprint VARCHAR NOT NULL,  -- md5 over the municipalities' codes, regions, geometry
        region_kode VARCHAR NOT NULL,
        geom BLOB NOT NULL             -- WKB, EPSG:25832, simplified for drawing
    )
    """,
]

# Issue #17: rows are read by rid (table pages, tooltips, details: the Store's person read);
# with an index and a literal IN list a page of 100 rows at 1M companies is an index lookup
# (~5 ms CPU) instead of a scan (~22 ms). Refresh swaps delete and insert into the live
# tables, so the index is kept up to date by DuckDB; scrub rewrites recreate it.
MIGRATION_RID_INDEXES = [
    "CREATE INDEX IF NOT EXISTS candidates_rid ON candidates (rid)",
    "CREATE INDEX IF NOT EXISTS companies_rid ON companies (rid)",
]

MIGRATIONS: list[list[str]] = [
    MIGRATION_1,
    MIGRATION_2,
    MIGRATION_COMPANIES,
    MIGRATION_IMPORT_PROFILES,
    MIGRATION_TAXONOMIES,
    MIGRATION_SAVED_SELECTIONS,
    MIGRATION_COMPANY_COLLABORATIONS,
    MIGRATION_JOB_POSTING_PLACEMENT,
    MIGRATION_COLLABORATIONS_PER_COMPANY,
    MIGRATION_INDUSTRY_SYSTEMS,
    MIGRATION_JOB_ORDERS,
    MIGRATION_POOLS,
    MIGRATION_PRIVACY_SCOPE_AUDIT,
    MIGRATION_CAMPAIGNS,
    MIGRATION_SHORTAGE,
    MIGRATION_TEAM_STORE,
    MIGRATION_MEMBER_JOBCENTER,
    MIGRATION_JOB_ORDER_CANDIDATES,
    MIGRATION_REGION_OUTLINES,
    MIGRATION_RID_INDEXES,
]
SCHEMA_VERSION = len(MIGRATIONS)

# Tables that hold user-visible data, with the columns a search returns (the contract).
ENTITY_COLUMNS: dict[str, list[str]] = {
    "candidates": [
        "candidate_id",
        "jobcenter",
        "kommune_kode",
        "x",
        "y",
        "occupation_codes",
        "qualification_codes",
        "driving_licences",
        "languages",
        "education",
        "experience_years",
        "unemployed_since",
        "target_group",
        "cv_searchable",
        "cv_updated",
    ],
    "companies": [
        "cvr",
        "pnr",
        "name",
        "address",
        "postnr",
        "kommune_kode",
        "x",
        "y",
        "industry_code",
        "industry_text",
        "employees",
        "employees_band",
        "status",
        "started",
        "advertising_protected",
        "source",
        "industry_system",  # DB07 | DB25: the system of industry_code
    ],
    "postings": [
        "posting_id",
        "cvr",
        "pnr",
        "occupation_code",
        "title",
        "posted",
        "deadline",
        "kommune_kode",
        "x",
        "y",
        "source",
    ],
}

ENTITY_TABLES = {"candidates": "candidates", "companies": "companies", "postings": "job_postings"}
